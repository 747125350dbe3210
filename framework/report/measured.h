// What a set of cells measured, as the axes of tables and figures: the union
// over the cells, so that a cell missing one measurement leaves a gap rather
// than dropping a column for everyone.
#pragma once

#include <string>
#include <vector>

#include "report/cell_result.h"

namespace neuroreg {

std::vector<double> measured_sigmas(const std::vector<CellResult>& cells);      ///< ascending
std::vector<std::string> measured_norms(const std::vector<CellResult>& cells);  ///< first seen
std::vector<std::string> measured_corruptions(const std::vector<CellResult>& cells);
/// Diagnostics named "gamma/<tap>", as the full key, in tap order (conv5 < conv13).
std::vector<std::string> measured_gamma_keys(const std::vector<CellResult>& cells);
int measured_epochs(const std::vector<CellResult>& cells);  ///< the most any cell ran
bool any_validation(const std::vector<CellResult>& cells);

}  // namespace neuroreg
