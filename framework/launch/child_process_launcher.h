// `--jobs N`: the cells of a grid as `neuroreg run-cell` child processes, N at
// once, each with its share of the cores and its output in the cell's
// run-cell.log. A stop request (SIGTERM) is passed on to the running cells,
// which checkpoint; no new cell starts after it.
#pragma once

#include <sys/types.h>

#include <map>

#include "experiment/progress.h"
#include "launch/comparison.h"
#include "launch/launcher.h"
#include "runtime/subprocess.h"

namespace neuroreg {

class ChildProcessLauncher : public Launcher {
 public:
  ChildProcessLauncher(const ComparisonOptions& options, Progress& progress);

  /// A cell that fails does not stop the others: its line names it, how its
  /// process ended and the end of its log.
  std::vector<std::string> launch(const Grid& grid,
                                  const std::vector<const GridCell*>& todo) override;

 private:
  void start(const Grid& grid, const GridCell& cell);
  void finished(const Grid& grid, pid_t pid, const ProgramEnd& end,
                std::vector<std::string>& failures);

  const ComparisonOptions& options_;
  Progress& progress_;
  int threads_;  // per cell: --threads, else the cores shared out over the jobs
  std::map<pid_t, const GridCell*> running_;
};

}  // namespace neuroreg
