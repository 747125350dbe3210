// One grid cell on disk: trained, evaluated and recorded in its own folder
// <run_dir>/<cell id>/, resumed from its last checkpoint when it was
// interrupted, and left alone when its records are complete.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "data/task_data.h"
#include "distributed/data_parallel.h"
#include "experiment/assemble.h"
#include "experiment/cell_state.h"
#include "experiment/progress.h"
#include "grid/grid.h"
#include "plugin_host/plugin_loader.h"
#include "report/cell_result.h"

namespace neuroreg {

/// The data of the last cell, reused by the next cell that reads the same.
struct DataCache {
  std::string key;
  std::shared_ptr<TaskData> data;
};

/// Brings `cell` to kDone: trains (or resumes) it, evaluates it on the noise
/// sweep and, with [eval] config, the robustness evaluation; returns what its
/// records hold.
///
/// Data-parallel (`parallel` with more than one process): every process
/// calls this for the same cell; rank 0 decides what the cell needs, holds
/// the folder, writes checkpoints and records and evaluates; the others
/// train their share and return an empty result.
CellResult run_cell(const Grid& grid, const GridCell& cell, const Registry& registry,
                    PluginLoader& loader, const RunOverrides& overrides, Progress& progress,
                    DataCache& cache, DataParallel* parallel = nullptr);

}  // namespace neuroreg
