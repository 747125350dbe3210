#include "neural/neural_report.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/atomic_file.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "neural/clustering.h"
#include "neural/matrix_figure.h"
#include "neural/scatter_svg.h"
#include "render/gnuplot.h"

namespace neuroreg {
namespace {

std::string value(double v) { return std::isnan(v) ? "     -" : absl::StrFormat("%6.3f", v); }

std::string mean_of(const torch::Tensor& t) {
  return t.defined() ? absl::StrFormat("%6.3f", t.nanmean().item<float>()) : "     -";
}

std::vector<double> to_vector(const torch::Tensor& t) {
  const torch::Tensor d = t.to(torch::kDouble).contiguous();
  return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

}  // namespace

std::string format_target_report(const TargetReport& r) {
  std::string text = absl::StrFormat(
      "neural targets: %d stimuli shown once, %d scans, %d oracle images × %d repeats\n"
      "normalisation: %s\n\n",
      r.stimuli, r.scans.size(), r.oracle_images, r.repeats, r.normalisation);
  if (r.scans.front().metrics.test_correlation.defined() ||
      !std::isnan(r.scans.front().truth_test_correlation)) {
    text +=
        "predictive models (means over neurons; test = single trials of the oracle images; "
        "truth r = the noise-free rates' test r, the ceiling, on simulated scans):\n";
    text += absl::StrFormat("  %-24s %7s %7s %7s %8s %6s %6s %7s\n", "scan", "neurons", "test r",
                            "avg r", "oracle r", "frac", "FEVE", "truth r");
    for (const ScanReport& s : r.scans) {
      const std::string name = std::filesystem::path(s.dir).filename().string();
      text += absl::StrFormat(
          "  %-24s %7d %s  %s  %s   %s %s  %s\n", name, s.neurons,
          mean_of(s.metrics.test_correlation), mean_of(s.metrics.correlation_to_average),
          mean_of(s.metrics.oracle_correlation),
          s.metrics.test_correlation.defined() ? value(s.metrics.fraction_of_oracle) : "     -",
          mean_of(s.metrics.feve), value(s.truth_test_correlation));
    }
  }
  bool above_one = false;
  for (const ScanReport& s : r.scans) {
    if (s.metrics.test_correlation.defined()) {
      above_one = above_one || s.metrics.fraction_of_oracle > 1 ||
                  s.metrics.feve.nanmean().item<double>() > 1;
    }
  }
  if (above_one) {
    text +=
        "  frac or FEVE above 1: the models see each trial's behaviour (pupil, running), which "
        "the\n  oracle (the mean of the other repeats) cannot; not an error.\n";
  }
  // Like beside like: the paper's figures stand under the definition each
  // was computed with.
  text +=
      "\nsimilarity of the oracle images against S_oracle (Fig. 1D; per scan, then the mean):\n"
      "  leave-one-out: each trial pair against S_oracle from the other repeats (the paper's\n"
      "  definition); all repeats: against S_oracle from every repeat (r(model) over image "
      "pairs)\n";
  text += absl::StrFormat("  %-24s %29s   %29s\n", "", "r(data,oracle)", "r(model,oracle)");
  text += absl::StrFormat("  %-24s %14s %14s   %14s %14s\n", "scan", "leave-one-out", "all repeats",
                          "leave-one-out", "all repeats");
  auto oracle_row = [&](const std::string& name, double a, double b, double c, double d) {
    text += absl::StrFormat("  %-24s %14s %14s   %14s %14s\n", name, value(a), value(b), value(c),
                            value(d));
  };
  for (const ScanReport& s : r.scans) {
    oracle_row(std::filesystem::path(s.dir).filename().string(), s.r_data_oracle_loo,
               s.r_data_oracle, s.r_model_oracle_loo, s.r_model_oracle);
  }
  oracle_row("mean", r.r_data_oracle_loo, r.r_data_oracle, r.r_model_oracle_loo, r.r_model_oracle);
  oracle_row("paper (Li et al., Fig. 1D)", 0.39, NAN, NAN, 0.73);
  if (std::isnan(r.r_oracle_truth)) {
    text +=
        "\nno noise-free truth (simulated scans hold one; --truth DIR names another place): "
        "looked for\n";
    for (const std::string& file : r.truth_files) text += "  " + file + "\n";
  } else {
    text += "\nagainst the noise-free truth S_true (simulated scans; all repeats):\n";
    text += absl::StrFormat("  %-24s %15s %15s %15s\n", "scan", "r(oracle,true)", "r(data,true)",
                            "r(model,true)");
    for (const ScanReport& s : r.scans) {
      text += absl::StrFormat(
          "  %-24s %15s %15s %15s\n", std::filesystem::path(s.dir).filename().string(),
          value(s.r_oracle_truth), value(s.r_data_truth), value(s.r_model_truth));
    }
    text += absl::StrFormat("  %-24s %15s %15s %15s\n", "mean", value(r.r_oracle_truth),
                            value(r.r_data_truth), value(r.r_model_truth));
  }
  auto spread = [](const torch::Tensor& t) {
    const torch::Tensor q =
        torch::quantile(t.to(torch::kDouble), torch::tensor({0.05, 0.5, 0.95}, torch::kDouble));
    return absl::StrFormat("std %.4f, 5/50/95%% %+.4f %+.4f %+.4f (%d values)",
                           t.to(torch::kDouble).std().item<double>(), q[0].item<double>(),
                           q[1].item<double>(), q[2].item<double>(), t.numel());
  };
  text += "\nstability of S_oracle (Fig. 1C; the paper finds ΔS_scan much narrower):\n";
  text += "  ΔS_repeat (Eq. 5): " + spread(r.repeat_fluctuation) + "\n";
  text += r.scan_fluctuation.defined()
              ? "  ΔS_scan   (Eq. 4): " + spread(r.scan_fluctuation) + "\n"
              : "  ΔS_scan   (Eq. 4): needs 2 or more scans of the same oracle images\n";
  if (!std::isnan(r.r_target_data_truth)) {
    text += absl::StrFormat(
        "\nthe targets against the truth, over all pairs of their %d images (%d shown once, %d "
        "oracle; averaged over scans):\n  r(S_data, S_true) = %s   r(S_model, S_true) = %s\n",
        r.stimuli + r.oracle_images, r.stimuli, r.oracle_images, value(r.r_target_data_truth),
        value(r.r_target_model_truth));
  }
  return text;
}

std::vector<std::string> write_target_report(const TargetReport& r, const std::string& dir,
                                             const std::string& gnuplot_program) {
  namespace fs = std::filesystem;
  const fs::path root(dir);
  const ScanReport& first = r.scans.front();
  const std::string scan = fs::path(first.dir).filename().string();
  std::vector<std::string> warnings;
  std::string pictures = "\npictures (first scan, " + scan + "):\n";

  // Fig. 1A/B: ordered by clustering S_oracle, so the same order serves all.
  // Each panel on its own scale (its colour bar says which): single-trial
  // S_oracle values are far smaller than S_model's, and the structure, not
  // the range, is what the picture compares.
  MatrixFigure matrices;
  matrices.title = absl::StrFormat(
      "Similarity of the %d oracle images (%s), ordered by clustering S_oracle; each panel on "
      "its own scale",
      r.s_oracle.size(0), scan);
  matrices.axis_label = "oracle image (cluster order)";
  matrices.panels.push_back({"S_oracle (Eq. 3)", r.s_oracle});
  if (r.s_model.defined()) matrices.panels.push_back({"S_model (Eq. 6)", r.s_model});
  if (r.s_true.defined()) matrices.panels.push_back({"S_true (noise-free rates)", r.s_true});
  matrices.order = cluster_order(r.s_oracle);
  const std::string matrices_file = "similarity_oracle_images.svg";
  const fs::path matrices_path = root / matrices_file;
  std::string problem;
  const std::string gnuplot = find_gnuplot(gnuplot_program);
  if (gnuplot.empty()) {
    problem =
        "gnuplot (" + gnuplot_program + ") is not installed; tools/setup installs it (gnuplot-nox)";
  } else {
    std::string svg;
    try {
      svg = draw_matrix_figure(matrices, gnuplot);
    } catch (const std::runtime_error& e) {
      problem = e.what();
    }
    if (problem.empty()) sdk::write_file_atomically(matrices_path.string(), svg);
  }
  if (problem.empty()) {
    std::string panels;
    for (const MatrixPanel& panel : matrices.panels) {
      panels += (panels.empty() ? "" : " | ") + panel.title.substr(0, panel.title.find(' '));
    }
    pictures += absl::StrFormat("  %-30s %s", matrices_file, panels) +
                ", the oracle images ordered by clustering S_oracle, each panel on its own "
                "scale (colour bar: blue negative, white 0, red positive)\n";
  } else {
    // Never leave an older run's picture next to this run's table.
    std::error_code ignored;
    fs::remove(matrices_path, ignored);
    pictures += absl::StrFormat("  %-30s not drawn: %s\n", matrices_file, problem);
    warnings.push_back(matrices_path.string() + " not drawn: " + problem);
  }

  std::vector<ScatterSeries> series;
  series.push_back({absl::StrFormat("S_data, r = %.2f", first.r_data_oracle),
                    to_vector(r.single_trial_oracle), to_vector(r.single_trial_pairs), "#888888"});
  if (r.model_pairs.defined()) {
    series.push_back({absl::StrFormat("S_model, r = %.2f", first.r_model_oracle),
                      to_vector(r.model_oracle), to_vector(r.model_pairs), "#d62728"});
  }
  ScatterAxes axes;
  axes.title = "Fig. 1D: similarity of pairs of oracle images (" + scan + ")";
  axes.x_label = "S_oracle (Eq. 3), averaged over repeats";
  axes.y_label = r.model_pairs.defined() ? "S_data (Eq. 2, single trials) or S_model (Eq. 6)"
                                         : "S_data (Eq. 2, single trials)";
  axes.diagonal = true;
  const std::string scatter_file = "fig1d_scatter.svg";
  write_scatter_svg(series, axes, (root / scatter_file).string());
  pictures += absl::StrFormat("  %-30s %s", scatter_file,
                              "single-trial S_data and S_model against S_oracle\n");

  sdk::write_file_atomically((root / "report.txt").string(), format_target_report(r) + pictures);
  return warnings;
}

}  // namespace neuroreg
