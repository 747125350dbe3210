// Running another program (gnuplot, sbatch, squeue) and reading what it
// printed. posix_spawn rather than a shell: nothing in an argument is
// interpreted.
#pragma once

#include <string>
#include <vector>

namespace neuroreg {

/// The executable to run: `program` itself when it names a path (contains
/// '/'), otherwise the first executable of that name on PATH. Empty when
/// there is none.
std::string find_program(const std::string& program);

struct ProgramOutput {
  int exit_status = -1;  ///< the exit status; -1 when killed by a signal
  int signal = 0;        ///< the signal that killed it, else 0
  std::string out;       ///< standard output
  std::string err;       ///< standard error

  bool ok() const { return exit_status == 0; }
  /// "exit status 3" or "signal 9".
  std::string how_it_ended() const;
};

/// Runs argv[0] (a path, see find_program) with `argv`, standard input from
/// /dev/null, and waits for it. Throws std::runtime_error naming the program
/// when it cannot be started.
ProgramOutput run_program(const std::vector<std::string>& argv);

}  // namespace neuroreg
