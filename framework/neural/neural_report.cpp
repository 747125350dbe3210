#include "neural/neural_report.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/atomic_file.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "report/pictures.h"

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
      "neural targets: %d stimuli shown once, %d scans, %d oracle images × %d repeats\n\n",
      r.stimuli, r.scans.size(), r.oracle_images, r.repeats);
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
  text += "\nsimilarity of the oracle images (Fig. 1D; per scan, then the mean):\n";
  text += absl::StrFormat("  %-24s %15s %15s %15s %15s %15s\n", "scan", "r(data,oracle)",
                          "r(model,oracle)", "r(oracle,true)", "r(data,true)", "r(model,true)");
  auto row = [&](const std::string& name, double a, double b, double c, double d, double e) {
    text += absl::StrFormat("  %-24s %15s %15s %15s %15s %15s\n", name, value(a), value(b),
                            value(c), value(d), value(e));
  };
  for (const ScanReport& s : r.scans) {
    row(std::filesystem::path(s.dir).filename().string(), s.r_data_oracle, s.r_model_oracle,
        s.r_oracle_truth, s.r_data_truth, s.r_model_truth);
  }
  row("mean", r.r_data_oracle, r.r_model_oracle, r.r_oracle_truth, r.r_data_truth, r.r_model_truth);
  text += "  (paper: r(data,oracle) 0.39, r(model,oracle) 0.73; data = single trials)\n";
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
        "\nthe targets against the truth, over all pairs of the %d stimuli (averaged over "
        "scans):\n  r(S_data, S_true) = %s   r(S_model, S_true) = %s\n",
        r.stimuli, value(r.r_target_data_truth), value(r.r_target_model_truth));
  }
  return text;
}

void write_target_report(const TargetReport& r, const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path root(dir);
  std::string legend = "\npictures (first scan, " +
                       fs::path(r.scans.front().dir).filename().string() + "):\n" +
                       "  similarity_oracle_images.png  S_oracle";
  if (r.s_model.defined()) legend += " | S_model";
  if (r.s_true.defined()) legend += " | S_true";
  legend +=
      ", the oracle images ordered by clustering S_oracle, each panel scaled to its largest "
      "off-diagonal |S| (blue negative, white 0, red positive)\n"
      "  fig1d_scatter.svg             single-trial S_data and S_model against S_oracle\n";
  sdk::write_file_atomically((root / "report.txt").string(), format_target_report(r) + legend);

  // Fig. 1A/B: ordered by clustering S_oracle, so the same order serves all.
  // Each panel on its own scale (its largest off-diagonal |S| at full
  // colour): single-trial S_oracle values are far smaller than S_model's,
  // and the structure, not the range, is what the picture compares.
  std::vector<torch::Tensor> panels;
  for (const torch::Tensor& s : {r.s_oracle, r.s_model, r.s_true}) {
    if (!s.defined()) continue;
    const torch::Tensor off = s - torch::diag(s.diagonal());
    panels.push_back(s / off.abs().max().clamp_min(1e-12));
  }
  const std::vector<int64_t> order = cluster_order(r.s_oracle);
  write_matrices_png(panels, order, (root / "similarity_oracle_images.png").string(), -1.0, 1.0, 4);

  std::vector<ScatterSeries> series;
  series.push_back({"S_data (single trials)", to_vector(r.single_trial_oracle),
                    to_vector(r.single_trial_pairs), "#888888"});
  if (r.model_pairs.defined()) {
    series.push_back({"S_model", to_vector(r.model_oracle), to_vector(r.model_pairs), "#d62728"});
  }
  ScatterAxes axes;
  axes.title = "Fig. 1D: similarities of pairs of oracle images (" +
               fs::path(r.scans.front().dir).filename().string() + ")";
  axes.x_label = "S_oracle";
  axes.y_label = "S_data, S_model";
  axes.diagonal = true;
  write_scatter_svg(series, axes, (root / "fig1d_scatter.svg").string());
}

}  // namespace neuroreg
