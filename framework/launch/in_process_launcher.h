// The cells of a grid one after another in this process, each brought to
// done by run_cell (experiment/cell_run.h). Cells that read the same data
// share it. Data-parallel, every process of the group runs every cell.
#pragma once

#include "experiment/cell_run.h"
#include "launch/launcher.h"

namespace neuroreg {

class InProcessLauncher : public Launcher {
 public:
  InProcessLauncher(const Registry& registry, PluginLoader& loader, RunOverrides overrides,
                    Progress& progress, DataParallel* parallel)
      : registry_(registry), loader_(loader), overrides_(std::move(overrides)),
        progress_(progress), parallel_(parallel) {}

  /// A cell that fails stops the grid (it would fail the same way for every
  /// seed): the error names it.
  std::vector<std::string> launch(const Grid& grid,
                                  const std::vector<const GridCell*>& todo) override;

 private:
  const Registry& registry_;
  PluginLoader& loader_;
  RunOverrides overrides_;
  Progress& progress_;
  DataParallel* parallel_;
  DataCache cache_;
};

}  // namespace neuroreg
