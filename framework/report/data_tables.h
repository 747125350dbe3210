// The comparison's data files: summary.csv (one row per cell) and groups.csv
// (one row per group and metric).
//
// groups.csv is long ("tidy") rather than wide: the set of metrics differs
// between groups (epochs, diagnostics, norms) and runs into the hundreds, so
// one row per (group, metric) with columns group, metric, mean, sem, n,
// excluded is what pandas/R filter and pivot without guessing column names.
// Empty mean: no finite value; empty sem: n < 2.
#pragma once

#include <string>
#include <vector>

#include "report/aggregate.h"
#include "report/cell_result.h"

namespace neuroreg {

/// Header: id, label, group, seed, each grid axis (first-seen order), then
/// every metric (first-seen order). A cell without a metric has it empty.
std::string summary_csv(const std::vector<CellResult>& cells);

std::string groups_csv(const std::vector<GroupSummary>& groups);

}  // namespace neuroreg
