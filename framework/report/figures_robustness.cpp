// Fig. 4, 5/7 and 6: robustness to noise and minimal perturbations.
#include <absl/strings/str_format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "report/figures.h"
#include "report/measured.h"
#include "report/metrics.h"

namespace neuroreg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr const char* kSemBars = "Error bars: SEM over seeds (none where a group has one seed).";

// Mean and SEM of a metric scaled, NaN where the group lacks it.
void add_point(PlotSeries& series, double x, const GroupSummary& g, const std::string& metric,
               double scale) {
  const Summary* s = g.find(metric);
  series.x.push_back(x);
  series.y.push_back(s != nullptr && s->n > 0 ? scale * s->mean : kNaN);
  series.error.push_back(s != nullptr && s->n > 1 ? scale * s->sem : kNaN);
}

std::string norm_text(const std::string& norm) { return norm == "Linf" ? "L∞" : norm; }

// The groups that differ only in α: keyed by regularizer and every grid axis
// other than α, the seed and the regularizer choice itself.
std::string alpha_family(const CellResult& cell) {
  std::string key = cell.run.regularizer().empty() ? cell.group : cell.run.regularizer();
  std::string rest;
  for (const auto& [axis, value] : cell.axes) {
    // A named reference: C++17 lambdas cannot capture structured bindings
    // (GCC allows it, clang rejects it).
    const std::string& name = axis;
    auto ends_with = [&](const std::string& suffix) {
      return name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (axis == "regularizer" || ends_with("alpha") || ends_with("seed")) continue;
    rest += (rest.empty() ? "" : ", ") + axis + "=" + value;
  }
  return rest.empty() ? key : key + " (" + rest + ")";
}

}  // namespace

std::vector<PlotSpec> noise_figures(const std::vector<CellResult>& cells,
                                    const std::vector<GroupSummary>& groups) {
  const auto sigmas = measured_sigmas(cells);
  if (sigmas.empty()) return {};
  PlotSpec fig;
  fig.name = "fig4_noise";
  fig.title = "Accuracy under Gaussian noise (Fig. 4)";
  fig.x_label = "noise σ (std of added noise, pixel intensities in [0, 1])";
  fig.y_label = "test accuracy (%)";
  fig.caption = std::string("Mean over seeds per group; σ = 0 is the clean accuracy. ") + kSemBars;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    PlotSeries series{groups[i].group, {}, {}, {}, false, static_cast<int>(i)};
    if (std::find(sigmas.begin(), sigmas.end(), 0.0) == sigmas.end()) {
      add_point(series, 0, groups[i], "clean", 100);
    }
    for (double s : sigmas) add_point(series, s, groups[i], noise_metric(s), 100);
    fig.series.push_back(std::move(series));
  }
  fig.y_min = 0;
  fig.y_max = 100;
  return {fig};
}

std::vector<PlotSpec> perturbation_figures(const std::vector<CellResult>& cells,
                                           const std::vector<GroupSummary>& groups) {
  std::vector<PlotSpec> figures;
  for (const auto& norm : measured_norms(cells)) {
    PlotSpec fig;
    fig.name = "fig5_" + file_stem(norm);
    fig.title = "Minimal " + norm_text(norm) + " perturbation (Fig. 5/7)";
    fig.x_label =
        "ε (" + norm_text(norm) + " norm of the perturbation, pixel intensities in [0, 1])";
    fig.y_label = "samples with minimal perturbation ≤ ε (%)";
    fig.caption =
        "Per group, the seeds' samples pooled: each (seed, sample) pair counts once, i.e. the "
        "mean over seeds of each seed's fraction when every seed attacks the same samples. "
        "Samples without an adversarial (∞) never count, so a curve levels off at the success "
        "rate; misclassified samples count from ε = 0. A lower curve is more robust.";
    double largest = 0;
    for (std::size_t i = 0; i < groups.size(); ++i) {
      std::vector<double> distances;
      for (std::size_t c : groups[i].cells) {
        for (const auto& r : cells[c].robustness) {
          for (const auto& n : r.norms()) {
            if (n.norm() == norm)
              distances.insert(distances.end(), n.distances().begin(), n.distances().end());
          }
        }
      }
      if (distances.empty()) continue;
      std::sort(distances.begin(), distances.end());
      PlotSeries series{groups[i].group, {0.0}, {0.0}, {}, true, static_cast<int>(i)};
      const double total = static_cast<double>(distances.size());
      for (std::size_t k = 0; k < distances.size() && std::isfinite(distances[k]); ++k) {
        // Right-continuous: the fraction at ε counts every distance ≤ ε.
        if (k + 1 < distances.size() && distances[k + 1] == distances[k]) continue;
        if (distances[k] == 0) series.y[0] = 100 * (k + 1) / total;
        series.x.push_back(distances[k]);
        series.y.push_back(100 * (k + 1) / total);
        largest = std::max(largest, distances[k]);
      }
      fig.series.push_back(std::move(series));
    }
    if (fig.series.empty()) continue;
    // Every curve runs to the right edge, holding its last (success) level.
    const double right = largest > 0 ? 1.05 * largest : 1.0;
    for (auto& s : fig.series) {
      s.x.push_back(right);
      s.y.push_back(s.y.back());
    }
    fig.x_min = 0;
    fig.x_max = right;
    fig.y_min = 0;
    fig.y_max = 100;
    figures.push_back(std::move(fig));
  }
  return figures;
}

std::vector<PlotSpec> alpha_figures(const std::vector<CellResult>& cells,
                                    const std::vector<GroupSummary>& groups) {
  // family → (α → group), α sorted.
  std::vector<std::string> family_order;
  std::map<std::string, std::map<double, const GroupSummary*>> families;
  for (const auto& g : groups) {
    const CellResult& first = cells[g.cells.front()];
    const std::string family = alpha_family(first);
    if (!families.count(family)) family_order.push_back(family);
    families[family].emplace(first.run.alpha(), &g);
  }
  const auto sigmas = measured_sigmas(cells);
  const auto norms = measured_norms(cells);
  std::vector<PlotSpec> figures;
  for (const auto& family : family_order) {
    const auto& by_alpha = families[family];
    if (by_alpha.size() < 2) continue;
    const double lo = by_alpha.begin()->first, hi = by_alpha.rbegin()->first;
    PlotSpec base;
    base.x_label = "α (weight of the similarity loss)";
    base.log_x = lo > 0 && hi / lo >= 10;
    base.caption =
        std::string("One point per group of ") + family + ", mean over its seeds. " + kSemBars;

    PlotSpec accuracy = base;
    accuracy.name = "fig6_" + file_stem(family) + "_noise";
    accuracy.title = "Accuracy vs α, " + family + " (Fig. 6)";
    accuracy.y_label = "test accuracy (%)";
    PlotSeries clean{"clean", {}, {}, {}, false, 0};
    for (const auto& [alpha, g] : by_alpha) add_point(clean, alpha, *g, "clean", 100);
    accuracy.series.push_back(std::move(clean));
    for (std::size_t k = 0; k < sigmas.size(); ++k) {
      PlotSeries series{"σ = " + format_sigma(sigmas[k]), {}, {}, {}, false,
                        static_cast<int>(k + 1)};
      for (const auto& [alpha, g] : by_alpha) {
        add_point(series, alpha, *g, noise_metric(sigmas[k]), 100);
      }
      accuracy.series.push_back(std::move(series));
    }
    figures.push_back(std::move(accuracy));

    for (const auto& norm : norms) {
      if (norm != "L2" && norm != "Linf") continue;
      PlotSpec fig = base;
      fig.name = "fig6_" + file_stem(family) + "_" + file_stem(norm);
      fig.title =
          "Median minimal " + norm_text(norm) + " perturbation vs α, " + family + " (Fig. 6)";
      fig.y_label = "median minimal " + norm_text(norm) + " perturbation (pixel intensities)";
      PlotSeries series{norm_text(norm) + " median", {}, {}, {}, false, 0};
      for (const auto& [alpha, g] : by_alpha) {
        add_point(series, alpha, *g, norm_metric(norm, "median"), 1);
      }
      fig.caption += " Seeds with an infinite median are left out (see the tables).";
      fig.y_min = 0;
      fig.series.push_back(std::move(series));
      figures.push_back(std::move(fig));
    }
  }
  return figures;
}

std::vector<PlotSpec> comparison_figures(const std::vector<CellResult>& cells,
                                         const std::vector<GroupSummary>& groups) {
  std::vector<PlotSpec> all;
  for (auto part : {noise_figures, perturbation_figures, alpha_figures, training_figures}) {
    auto figures = part(cells, groups);
    std::move(figures.begin(), figures.end(), std::back_inserter(all));
  }
  return all;
}

}  // namespace neuroreg
