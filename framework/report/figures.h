// The comparison's figures (Li et al. 2019), each a PlotSpec for gnuplot.
// A group keeps its colour (its position among the groups) in every figure.
#pragma once

#include <vector>

#include "report/aggregate.h"
#include "report/cell_result.h"
#include "report/differences.h"
#include "report/plot_spec.h"

namespace neuroreg {

/// Fig. 4: accuracy vs Gaussian noise σ (σ = 0 is the clean accuracy), one
/// line per group, mean ± SEM over seeds. None without noise results.
std::vector<PlotSpec> noise_figures(const std::vector<CellResult>& cells,
                                    const std::vector<GroupSummary>& groups);

/// Fig. 5/7, one per norm: the fraction of samples whose minimal
/// perturbation is ≤ ε, vs ε, one step curve per group. A group's seeds are
/// pooled: every (seed, sample) pair counts once, which is the mean over
/// seeds of each seed's fraction when the seeds attack equally many samples.
/// ∞ (no adversarial found) is never ≤ ε: a curve levels off at the success
/// rate. Misclassified samples (distance 0) count from ε = 0.
std::vector<PlotSpec> perturbation_figures(const std::vector<CellResult>& cells,
                                           const std::vector<GroupSummary>& groups);

/// Fig. 6: robustness vs α for the groups of one regularizer (and the same
/// other grid settings) that differ only in α — accuracy at each σ, and the
/// L2 and L∞ median minimal perturbation when measured. Only where there
/// are at least two α values.
std::vector<PlotSpec> alpha_figures(const std::vector<CellResult>& cells,
                                    const std::vector<GroupSummary>& groups);

/// Training curves vs epoch, mean over seeds: loss, validation (or train)
/// accuracy, and per group the layer weights γ of each tap.
std::vector<PlotSpec> training_figures(const std::vector<CellResult>& cells,
                                       const std::vector<GroupSummary>& groups);

/// The forest plot of the claims (differences to the baseline with their
/// 95 % CIs and the zero line), one per unit: accuracies in points
/// ("differences"), then each norm ("differences_L2"). None without claims.
std::vector<PlotSpec> difference_figures(const Differences& differences);

/// All of the above but the forest plot, in that order.
std::vector<PlotSpec> comparison_figures(const std::vector<CellResult>& cells,
                                         const std::vector<GroupSummary>& groups);

}  // namespace neuroreg
