// Where every cell of a comparison stands, for `compare --status`: read from
// the cells' folders (records, checkpoints, the lock of a running writer, a
// failed run's note) and, when the grid was submitted to Slurm, from squeue.
#pragma once

#include <ostream>
#include <string>

#include "grid/grid.h"
#include "plugin_host/registry.h"

namespace neuroreg {

/// Prints one line per cell (done, running, pending, failed, interrupted,
/// needs evaluation, missing) with what explains it, after a count of each.
/// `compare_command` is how the user runs this grid, for the hint at the end.
void print_comparison_status(const Grid& grid, const Registry& registry,
                             const std::string& compare_command, std::ostream& out);

}  // namespace neuroreg
