// Claims a reader can check: each group's difference to the baseline,
// paired by seed, with its confidence interval and tests (paired_stats.h).
//
// Pairing. A cell's partner is the baseline regularizer's cell with the same
// seed and the same value of every grid axis outside [[regularizer]] (an
// axis whose path starts with "regularizer" does not count:
// regularizer[pixel].alpha does not apply to `none`). A seed found in only
// one of the two groups is unpaired; a pair whose value is not finite (an ∞
// median) or not measured is left out. Both are counted, per metric, in
// `unpaired`.
//
// Metrics (report/metrics.h) and their Holm families, corrected within each
// group: clean (alone); noise/<σ> (the σ levels); corruption/<name>/mean
// (the corruption kinds); corruption/mean (alone); <norm>/median (the norms'
// medians); <norm>/mean (the norms' means). Per-severity corruption
// accuracies, success rates, training figures and wall time are no claims.
// No metric is robust accuracy at a given ε: the robustness evaluation
// records minimal perturbations only.
//
// Seeds for 80 % power are a planning figure, computed only for differences
// not significant after Holm's correction (p_holm ≥ 0.05).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "report/cell_result.h"
#include "report/paired_stats.h"
#include "report/table.h"

namespace neuroreg {

/// The group every other group is compared with, by its regularizer label.
struct Baseline {
  std::string label;   ///< the baseline [[regularizer]]'s label or group; empty: none
  std::string reason;  ///< why there is none; empty when there is one
};

/// The default baseline of the [[regularizer]] entries given as (label,
/// plugin name): the one whose plugin is `none`; none, with the reason,
/// when no entry or several entries are `none`.
Baseline default_baseline(const std::vector<std::pair<std::string, std::string>>& regularizers);

/// default_baseline over the cells' regularizers.
Baseline default_baseline(const std::vector<CellResult>& cells);

/// One claim: a group's difference to its baseline group in one metric.
struct Difference {
  std::string group, baseline, metric, family;
  bool accuracy = false;  ///< a fraction, shown in percentage points
  PairedStats stats;
  double p_holm = 0;            ///< NaN when p is
  int unpaired = 0;             ///< seeds left out: no partner, or not finite
  int64_t seeds_for_power = -1; ///< -1: not computed; > 10000: over the cap
};

struct Differences {
  Baseline baseline;
  std::vector<Difference> rows;  ///< per group in cell order, metrics in record order
  int unpaired_cells = 0;        ///< cells of either side without a partner
  int compared_groups = 0;       ///< groups other than the baseline's
};

/// Every paired difference of the cells' non-baseline groups. No rows
/// without a baseline (then `baseline.reason` says why), or for a metric
/// with no pair (n = 0).
Differences paired_differences(const std::vector<CellResult>& cells, const Baseline& baseline);

/// The Holm family of a claim metric, "" for a metric that is no claim.
std::string metric_family(const std::string& metric);

/// The tidy file: group, baseline, metric, mean, sem, ci_low, ci_high, k, n,
/// p, p_holm, p_sign, family, unpaired, seeds_for_80_power. Accuracies as
/// fractions; undefined values empty; over the cap ">10000".
std::string differences_csv(const Differences& differences);

/// "pixel − none, σ = 0.3: +4.8 points, 95 % CI −4.2 … +13.8, 2/3 seeds,
/// p = 0.31 (Holm 0.62)": one line per claim in clean, σ and norm medians,
/// then a note on pairing, families and differences.csv; or why there are
/// no claims.
std::string format_claims(const Differences& differences);

/// The metric as claims name it: "clean", "σ = 0.3", "L2 median".
std::string claim_metric_name(const std::string& metric);

/// The report's table of every claim, with a note saying the baseline, how
/// pairs were formed, the Holm families and how many cells were unpaired.
Table differences_table(const Differences& differences);

}  // namespace neuroreg
