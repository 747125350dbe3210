// Replicates (seeds) of one group reduced to mean ± standard error.
//
// SEM is the sample standard deviation (n − 1 in the denominator) divided by
// √n. With n = 1 it is undefined: NaN here, an empty cell in files, no error
// bar in figures — never 0, which would claim a precision nobody measured.
// Non-finite values (a median that is ∞ because under half of the samples
// had an adversarial, or NaN) are excluded from mean and SEM and counted in
// `excluded`, so a reader sees "2 seeds finite, 1 ∞" rather than a mean of ∞.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "report/cell_result.h"
#include "report/metrics.h"

namespace neuroreg {

struct Summary {
  double mean = 0;   ///< NaN when n = 0
  double sem = 0;    ///< NaN when n < 2
  int n = 0;         ///< finite values that went in
  int excluded = 0;  ///< non-finite values left out
  int infinite = 0;  ///< of those, +∞ (no adversarial found)
};

/// Mean, SEM and n of the finite values; the others are counted as excluded.
Summary summarize(const std::vector<double>& values);

/// One group: its cells (indices into the cells given) and a summary per
/// metric over the cells that have it.
struct GroupSummary {
  std::string group;
  std::vector<std::size_t> cells;
  std::vector<std::string> metric_order;  ///< first-seen order over the cells
  std::map<std::string, Summary> metrics;

  /// nullptr when no cell of the group has the metric.
  const Summary* find(const std::string& metric) const;
};

/// Groups in order of their first cell; each cell's metrics computed once.
std::vector<GroupSummary> aggregate_groups(const std::vector<CellResult>& cells);

/// The union of the cells' metric names, in first-seen order.
std::vector<std::string> metric_names(const std::vector<Metrics>& per_cell);

}  // namespace neuroreg
