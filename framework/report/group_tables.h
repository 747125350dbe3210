// The comparison's tables: per group, mean ± SEM over its seeds.
#pragma once

#include <string>
#include <vector>

#include "report/aggregate.h"
#include "report/cell_result.h"
#include "report/table.h"

namespace neuroreg {

/// One row per group: group, n, clean and each σ in percent, and the median
/// minimal perturbation of each norm when robustness records exist.
Table group_overview_table(const std::vector<CellResult>& cells,
                           const std::vector<GroupSummary>& groups);

/// group_overview_table as aligned text: what `neuroreg compare` and
/// `neuroreg show COMPARISON` print.
std::string format_group_table(const std::vector<CellResult>& cells);

/// The report's tables, those with data only: accuracy (clean, σ, mean
/// corruption), minimal perturbations per norm, corruptions by name, and
/// training (last epoch, wall time).
std::vector<Table> comparison_tables(const std::vector<CellResult>& cells,
                                     const std::vector<GroupSummary>& groups);

/// Table 1 of the paper, one per group whose regularizer reports γ: the
/// layer weights γ per tap (columns) and epoch (rows), mean ± SEM.
std::vector<Table> gamma_tables(const std::vector<CellResult>& cells,
                                const std::vector<GroupSummary>& groups);

}  // namespace neuroreg
