// Hand-built grid cells for the report tests, with values chosen so that
// means and standard errors can be checked by hand:
//
//   group "pixel-alpha8"      seeds 1-3  clean .90 .92 .94 (mean .92, SEM .02/√3)
//                                        σ=0.1 .80 .83 .86 (mean .83, SEM .03/√3)
//                                        L2 median .5 .7 ∞ (mean .6 over 2, SEM .1, 1 ∞)
//   group `none, "plain"`     seeds 1-3  clean .88 .89 .93 (mean .90, SEM √(.0007/3))
//   group "pixel-alpha2"      seed 1     clean .91 (n = 1: no SEM)
//
// Every cell has 3 epochs with γ for conv1/conv5/conv13, a robustness record
// with noise, two corruptions and L2/L∞ minimal perturbations (some ∞).
// One label holds a comma, quotes and a line break, the CSV's hard cases.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "report/cell_result.h"

namespace neuroreg::testing {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

struct CellValues {
  std::string group, label, regularizer;
  double alpha;
  int64_t seed;
  double clean, noise1, noise2, l2_median, linf_median;
};

inline record::NormResult norm_result(const std::string& norm, double median, double scale,
                                      int64_t seed) {
  record::NormResult n;
  n.set_norm(norm);
  n.set_median(median);
  // Six samples: one misclassified (0), three found, two without an adversarial.
  const double d[] = {0, 0.3 * scale, (0.4 + 0.1 * seed) * scale, 0.9 * scale, kInf, kInf};
  double sum = 0;
  for (double v : d) {
    n.add_distances(v);
    if (std::isfinite(v)) sum += v;
  }
  n.set_mean(sum / 4);
  n.set_success_rate(4.0 / 6.0);
  for (int k = 0; k < 6; ++k) n.add_found_by(k == 0 ? -1 : (std::isfinite(d[k]) ? 0 : -2));
  return n;
}

inline CellResult make_cell(const CellValues& v) {
  CellResult cell;
  cell.group = v.group;
  cell.label = v.label;
  cell.regularizer_label = v.regularizer;
  cell.id = v.label + "-0123abcd";
  cell.seed = v.seed;
  cell.axes = {{"regularizer", v.regularizer},
               {"regularizer.alpha", std::to_string(static_cast<int>(v.alpha))},
               {"run.seed", std::to_string(v.seed)}};
  record::RunRecord& run = cell.run;
  run.set_label(v.group);
  run.set_regularizer(v.regularizer);
  run.set_alpha(v.alpha);
  run.set_effective_config("[run]\nseed = " + std::to_string(v.seed) +
                           "\n\n[[regularizer]]\nname = \"" + v.regularizer +
                           "\"\nalpha = " + std::to_string(v.alpha) + "\n# <not a tag> & co\n");
  run.set_wall_seconds(100 + v.seed);
  for (int e = 1; e <= 3; ++e) {
    auto* m = run.add_epochs();
    m->set_epoch(e);
    m->set_learning_rate(0.1);
    m->set_loss(2.0 / e + 0.01 * v.seed);
    m->set_task_loss(1.5 / e);
    m->set_regularizer_loss(0.5 / e);
    m->set_train_accuracy(0.5 + 0.1 * e);
    m->set_has_validation(true);
    m->set_validation_accuracy(0.45 + 0.1 * e + 0.01 * v.seed);
    m->set_images_per_second(1000);
    (*m->mutable_diagnostics())["gamma/conv1"] = 0.2 - 0.03 * e;
    (*m->mutable_diagnostics())["gamma/conv5"] = 0.3;
    (*m->mutable_diagnostics())["gamma/conv13"] = 0.5 + 0.03 * e;
  }
  // The run's own evaluation differs on purpose: the robustness record wins.
  run.mutable_evaluation()->set_clean_accuracy(v.clean - 0.5);

  record::RobustnessRecord r;
  r.set_label(v.group);
  r.set_effective_eval_config("[noise]\nsigmas = [0.1, 0.2]\n");
  r.set_clean_accuracy(v.clean);
  auto* n1 = r.add_noise();
  n1->set_sigma(0.1);
  n1->set_accuracy(v.noise1);
  auto* n2 = r.add_noise();
  n2->set_sigma(0.2);
  n2->set_accuracy(v.noise2);
  for (const auto& [name, severity, accuracy] :
       {std::tuple{"brightness", 1, 0.85}, std::tuple{"brightness", 5, 0.65},
        std::tuple{"gaussian_noise", 1, 0.75}}) {
    auto* c = r.add_corruptions();
    c->set_name(name);
    c->set_severity(severity);
    c->set_accuracy(accuracy);
  }
  *r.add_norms() = norm_result("L2", v.l2_median, 1.0, v.seed);
  *r.add_norms() = norm_result("Linf", v.linf_median, 0.01, v.seed);
  cell.robustness.push_back(r);
  return cell;
}

inline const char* kTrickyLabel = "none, \"plain\"\nseed 2";

inline std::vector<CellResult> example_cells() {
  const std::string none = "none, \"plain\"";
  return {
      make_cell({"pixel-alpha8", "pixel-alpha8-seed1", "pixel", 8, 1, .90, .80, .50, .5, .003}),
      make_cell({"pixel-alpha8", "pixel-alpha8-seed2", "pixel", 8, 2, .92, .83, .60, .7, .004}),
      make_cell({"pixel-alpha8", "pixel-alpha8-seed3", "pixel", 8, 3, .94, .86, .70, kInf, .005}),
      make_cell({none, "none-seed1", "none", 0, 1, .88, .70, .40, .3, .002}),
      make_cell({none, kTrickyLabel, "none", 0, 2, .89, .72, .41, .35, .002}),
      make_cell({none, "none-seed3", "none", 0, 3, .93, .74, .42, .4, .002}),
      make_cell({"pixel-alpha2", "pixel-alpha2-seed1", "pixel", 2, 1, .91, .78, .55, .45, .003}),
  };
}

}  // namespace neuroreg::testing
