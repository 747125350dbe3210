// The report of a comparison grid, written into its folder:
//
//   summary.csv        one row per cell: id, label, group, seed, grid axes, every metric
//   groups.csv         one row per (group, metric): mean, sem, n, excluded
//   differences.csv    one row per (group, claim metric): the paired difference to
//                      the baseline, its CI and tests (report/differences.h)
//   report.md          tables (mean ± SEM per group) and links to the figures
//   report.html        one self-contained page: tables, figures inline, configs
//   figures/<name>.svg each figure, for papers
//
// Metric names: report/metrics.h; aggregation: report/aggregate.h. Each file
// is written atomically, so a reader sees the old report or the new one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report/cell_result.h"
#include "report/differences.h"

namespace neuroreg {

struct ReportOptions {
  /// The gnuplot to draw figures with: a name looked up on PATH, or a path.
  std::string gnuplot = "gnuplot";
  /// The group the others are compared with; unset: default_baseline(cells).
  std::optional<Baseline> baseline;
};

struct ReportFiles {
  std::vector<std::string> written;   ///< paths, in the order written
  std::vector<std::string> warnings;  ///< e.g. gnuplot missing: tables only
};

/// Writes the report of `cells` into `dir` (created if needed). Without
/// gnuplot the report still has every table and says in place of each figure
/// why it is missing; a warning says so too. Throws std::runtime_error when a
/// file cannot be written, std::invalid_argument for no cells.
ReportFiles write_comparison_report(const std::string& dir, const std::vector<CellResult>& cells,
                                    const std::string& title, const ReportOptions& options = {});

/// What `neuroreg compare` and `neuroreg show COMPARISON` print: the groups'
/// table, the claims (differences to `baseline`) and whether every cell was
/// scored on the same test images.
std::string comparison_text(const std::vector<CellResult>& cells, const Baseline& baseline);

}  // namespace neuroreg
