// The `neuroreg` command line.
#pragma once

#include <ostream>

namespace neuroreg {

/// Runs one command line; returns the process exit code (0 ok, 1 failure,
/// 2 usage error). Output goes to `out`, errors and warnings to `err`.
int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace neuroreg
