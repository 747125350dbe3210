// Running another program: to completion, reading what it printed (gnuplot,
// sbatch, squeue), or beside this process with its output going to a log (a
// grid's cells, `--jobs`). posix_spawn rather than a shell: nothing in an
// argument is interpreted.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace neuroreg {

/// The executable to run: `program` itself when it names a path (contains
/// '/'), otherwise the first executable of that name on PATH. Empty when
/// there is none.
std::string find_program(const std::string& program);

/// How a program ended.
struct ProgramEnd {
  int exit_status = -1;  ///< the exit status; -1 when killed by a signal
  int signal = 0;        ///< the signal that killed it, else 0

  bool ok() const { return exit_status == 0; }
  /// "exit status 3" or "signal 9".
  std::string how_it_ended() const;
};

struct ProgramOutput : ProgramEnd {
  std::string out;  ///< standard output
  std::string err;  ///< standard error
};

/// Runs argv[0] (a path, see find_program) with `argv`, standard input from
/// /dev/null, and waits for it. Throws std::runtime_error naming the program
/// when it cannot be started.
ProgramOutput run_program(const std::vector<std::string>& argv);

/// Starts argv[0] (a path) with `argv` beside this process, its standard
/// output and error appended to `log` (a file, so a child that prints much
/// never blocks on a pipe), and returns its process id. Throws
/// std::runtime_error naming the program when it cannot be started.
pid_t start_program(const std::vector<std::string>& argv, const std::string& log);

/// A child of this process that has ended.
struct EndedChild {
  pid_t pid = 0;
  ProgramEnd end;
};

/// Waits until a child of this process ends, calling `meanwhile` every 20 ms
/// until one has (to pass on a stop request, say). Throws std::runtime_error
/// when this process has no children to wait for.
EndedChild wait_for_any_child(const std::function<void()>& meanwhile);

}  // namespace neuroreg
