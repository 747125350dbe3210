// What the report tests need from outside: running a command for its output,
// and the external programs (gnuplot, chromium, python3), which must be
// installed — a missing one fails the test with what to do, never skips it.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "report/gnuplot.h"

namespace neuroreg::testing {

struct CommandResult {
  int status = -1;  ///< the shell's exit status
  std::string out;
};

/// Runs `command` through the shell; returns its exit status and stdout.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  for (std::size_t got; (got = fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    result.out.append(buffer, got);
  }
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

/// The program's path, or "" after failing the test with the fix.
inline std::string require_program(const std::string& program, const std::string& package) {
  const std::string path = find_gnuplot(program);  // a plain PATH lookup
  if (path.empty()) {
    ADD_FAILURE() << program << " is not installed (Debian package " << package
                  << "): run tools/setup, which installs it";
  }
  return path;
}

}  // namespace neuroreg::testing
