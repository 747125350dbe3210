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
#include "grid/grid.h"
#include "experiment/progress.h"
#include "plugin_host/plugin_loader.h"
#include "report/cell_result.h"

namespace neuroreg {

/// Overrides from the command line that do not change what a cell computes.
struct RunOverrides {
  std::string device;  ///< empty: keep the config's
  int threads = -1;    ///< -1: keep the config's
};

/// The data of the last cell, reused by the next cell that reads the same.
struct DataCache {
  std::string key;
  std::shared_ptr<TaskData> data;
};

/// Where a cell stands on disk.
enum class CellState {
  kMissing,          ///< no record
  kInterrupted,      ///< a record without evaluation: resume from the checkpoint
  kNeedsEvaluation,  ///< trained, but [eval] changed or its robustness record is missing
  kDone,
};
const char* to_string(CellState state);

/// The folder of `cell`.
std::string cell_dir(const Grid& grid, const GridCell& cell);

/// Reads the cell's folder. Throws std::runtime_error when the folder holds a
/// record of another config, saying how to keep or replace it.
CellState cell_state(const Grid& grid, const GridCell& cell, const Registry& registry);

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

/// The records of a finished cell. Throws std::runtime_error naming the
/// folder when it is not finished.
CellResult read_cell(const Grid& grid, const GridCell& cell, const Registry& registry);

}  // namespace neuroreg
