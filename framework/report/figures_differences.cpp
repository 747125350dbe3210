// The forest plot of the claims: per metric and group the mean paired
// difference to the baseline with its 95 % CI, and the line of no difference.
// One figure per unit, so that no axis mixes points with distances:
// differences.svg (accuracies, percentage points) and differences_<norm>.svg
// (that norm's median and mean minimal perturbation).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "report/figures.h"
#include "report/metrics.h"

namespace neuroreg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The norm of a distance claim ("L2/median" → "L2"); "" for an accuracy.
std::string unit_of(const Difference& d) {
  return d.accuracy ? "" : d.metric.substr(0, d.metric.find('/'));
}

PlotSpec forest(const Differences& ds, const std::string& unit) {
  PlotSpec fig;
  fig.name = unit.empty() ? "differences" : "differences_" + file_stem(unit);
  const std::string what = unit.empty() ? "accuracy" : "minimal " + unit + " perturbation";
  fig.title = "Difference to the baseline '" + ds.baseline.label + "': " + what;
  fig.y_label = unit.empty() ? "difference (percentage points)"
                             : "difference (" + unit + " norm, pixel intensities)";
  fig.caption =
      "Each group minus the baseline, paired by seed (and every grid axis outside "
      "[[regularizer]]): the mean difference over the pairs with its 95 % confidence interval "
      "(Student's t, n − 1 df); no bar where a group has one pair. The line at 0 is no "
      "difference; p-values and Holm's correction are in the differences table.";
  fig.zero_line = true;
  const double scale = unit.empty() ? 100 : 1;

  std::vector<std::string> groups;
  std::map<std::string, std::size_t> category;
  for (const Difference& d : ds.rows) {
    if (unit_of(d) != unit) continue;
    if (std::find(groups.begin(), groups.end(), d.group) == groups.end()) groups.push_back(d.group);
    if (category.emplace(d.metric, fig.x_categories.size()).second) {
      fig.x_categories.push_back(claim_metric_name(d.metric));
    }
  }
  // Groups side by side within a category, so their bars do not overlap.
  const double spread = groups.size() > 1 ? 0.5 / static_cast<double>(groups.size()) : 0;
  double low = 0, high = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    PlotSeries series{groups[g] + " − " + ds.baseline.label, {}, {}, {}, false, static_cast<int>(g)};
    series.points_only = true;
    const double offset = (static_cast<double>(g) - (groups.size() - 1) / 2.0) * spread;
    for (const Difference& d : ds.rows) {
      if (d.group != groups[g] || unit_of(d) != unit) continue;
      const PairedStats& s = d.stats;
      series.x.push_back(static_cast<double>(category[d.metric] + 1) + offset);
      series.y.push_back(scale * s.mean);
      series.error.push_back(s.n > 1 ? scale * (s.ci_high - s.mean) : kNaN);
      for (double v : {s.mean, s.ci_low, s.ci_high}) {
        if (std::isfinite(v)) {
          low = std::min(low, scale * v);
          high = std::max(high, scale * v);
        }
      }
    }
    fig.series.push_back(std::move(series));
  }
  // Zero always in view, with a margin above and below.
  const double margin = high > low ? 0.08 * (high - low) : 1;
  fig.y_min = low - margin;
  fig.y_max = high + margin;
  fig.x_min = 0.5;
  fig.x_max = static_cast<double>(fig.x_categories.size()) + 0.5;
  fig.height = 480;
  return fig;
}

}  // namespace

std::vector<PlotSpec> difference_figures(const Differences& differences) {
  std::vector<std::string> units;
  for (const Difference& d : differences.rows) {
    if (std::find(units.begin(), units.end(), unit_of(d)) == units.end())
      units.push_back(unit_of(d));
  }
  std::vector<PlotSpec> figures;
  for (const std::string& unit : units) figures.push_back(forest(differences, unit));
  return figures;
}

}  // namespace neuroreg
