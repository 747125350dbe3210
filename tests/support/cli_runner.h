// Runs `neuroreg` in process for command-line tests.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace neuroreg::testing {

/// Runs `neuroreg args... --plugin-path <built plugins>`; returns the exit
/// code and fills `out` and `err` with what it printed.
inline int cli(std::vector<std::string> args, std::string* out, std::string* err) {
  args.insert(args.begin(), "neuroreg");
  args.push_back("--plugin-path");
  args.push_back(NEUROREG_PLUGIN_DIR);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::ostringstream o, e;
  const int code = run_cli(static_cast<int>(argv.size()), argv.data(), o, e);
  *out = o.str();
  *err = e.str();
  return code;
}

}  // namespace neuroreg::testing
