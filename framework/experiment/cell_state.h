// Where one grid cell stands on disk, read from its folder <run_dir>/<cell id>/:
// nothing yet, interrupted (resume from the checkpoint), trained but to be
// evaluated again, or done.
#pragma once

#include <string>

#include "grid/grid.h"
#include "plugin_host/registry.h"
#include "report/cell_result.h"

namespace neuroreg {

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

/// The records of a finished cell. Throws std::runtime_error naming the
/// folder when it is not finished.
CellResult read_cell(const Grid& grid, const GridCell& cell, const Registry& registry);

}  // namespace neuroreg
