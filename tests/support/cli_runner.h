// Runs `neuroreg` in process for command-line tests.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace neuroreg::testing {

/// Runs `neuroreg args... --plugin-path <built plugins>` (without the plugin
/// path for commands that load no plugins); returns the exit code and fills
/// `out` and `err` with what it printed.
inline int cli(std::vector<std::string> args, std::string* out, std::string* err) {
  const bool loads_plugins = !args.empty() && args[0] != "show" && args[0] != "help" &&
                             !(args[0] == "config" && args.size() > 1 && args[1] == "explain");
  args.insert(args.begin(), "neuroreg");
  if (loads_plugins) {
    args.push_back("--plugin-path");
    args.push_back(NEUROREG_PLUGIN_DIR);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::ostringstream o, e;
  const int code = run_cli(static_cast<int>(argv.size()), argv.data(), o, e);
  *out = o.str();
  *err = e.str();
  return code;
}

}  // namespace neuroreg::testing
