// A comparison: every cell of a grid run (or found finished) and reported
// side by side, aggregated over seeds.
//
// <output_dir>/<run name>/
//   cells.tsv            index, id, label, group and seed of every cell of the grid
//   comparison.txt       the groups' table (mean ± SEM over seeds) and the claims, as printed
//   compare.toml         the [compare] settings it was reported with, for `neuroreg show`
//   <cell id>/           record.pb, checkpoint.pt, model.pt, train.log, robustness-*.pb
//   summary.csv, groups.csv, differences.csv, report.md, report.html, figures/*.svg
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "experiment/cell_run.h"
#include "grid/grid.h"
#include "report/cell_result.h"

namespace neuroreg {

struct ComparisonOptions {
  RunOverrides overrides;
  int jobs = 1;              ///< cells at once; above 1, each in its own process
  bool interactive = false;  ///< redraw one progress line (a terminal) or print per epoch
  /// For --jobs: how to start `neuroreg run-cell` for one cell.
  std::string executable;               ///< the neuroreg binary
  std::vector<std::string> child_args;  ///< config, overrides and plugin paths to pass on
  /// Data-parallel: this process's group. Every process runs the grid; rank 0
  /// alone writes and reports.
  DataParallel* parallel = nullptr;
};

/// The cell index file of a comparison folder.
inline constexpr const char* kCellIndexFile = "cells.tsv";

/// Runs every cell of `grid` that is not finished (resuming interrupted
/// ones), writes cells.tsv and the reports, prints progress and the groups'
/// table to `out`, and returns the cells in grid order. Throws
/// std::runtime_error naming every cell that failed, after the others ran.
std::vector<CellResult> run_comparison(const Grid& grid, const Registry& registry,
                                       PluginLoader& loader, const ComparisonOptions& options,
                                       std::ostream& out);

/// The finished cells of a comparison folder, from its cells.tsv and the
/// cells' records (nothing is recomputed). `missing` receives the labels of
/// cells without a finished record.
std::vector<CellResult> read_comparison(const std::string& dir,
                                        std::vector<std::string>* missing = nullptr);

}  // namespace neuroreg
