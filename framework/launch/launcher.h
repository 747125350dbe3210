// How the cells of a grid that need work get run. The comparison
// (launch/comparison.h) decides which cells need work and writes the report
// once they are done; a launcher only runs them:
//
//   InProcessLauncher     one after another in this process (the default)
//   ChildProcessLauncher  `--jobs N`: N `neuroreg run-cell` processes at once
//   SlurmLauncher         `--executor slurm`: a job array that runs after
//                         this command returns (launch/slurm_executor.h)
#pragma once

#include <string>
#include <vector>

#include "grid/grid.h"

namespace neuroreg {

class Launcher {
 public:
  virtual ~Launcher() = default;

  /// Runs `todo` (cells of `grid` that are not done, in grid order), or hands
  /// them to a scheduler. Returns one line per cell that failed; the others
  /// ran. Throws when a failure means the remaining cells cannot run either.
  virtual std::vector<std::string> launch(const Grid& grid,
                                          const std::vector<const GridCell*>& todo) = 0;
};

}  // namespace neuroreg
