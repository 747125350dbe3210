#include "neural/data_target.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/npy.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>

#include "neural/neural_similarity.h"
#include "neural/recordings.h"

namespace neuroreg {
namespace {

double correlation(const torch::Tensor& a, const torch::Tensor& b) {
  torch::Tensor x = a.flatten().to(torch::kDouble), y = b.flatten().to(torch::kDouble);
  x = x - x.mean();
  y = y - y.mean();
  return (x.dot(y) / (x.norm() * y.norm())).item<double>();
}

// Trial indices of the test tier grouped by image: I×T, T the fewest repeats
// any oracle image has (extra repeats are left out, so every image counts alike).
torch::Tensor oracle_trials(const Scan& scan, const std::string& dir) {
  std::map<int64_t, std::vector<int64_t>> by_image;
  const auto* ids = scan.frame_image_id.data_ptr<int64_t>();
  for (int64_t t = 0; t < scan.trials(); ++t) {
    if (scan.tiers[static_cast<size_t>(t)] == "test") by_image[ids[t]].push_back(t);
  }
  size_t repeats = std::numeric_limits<size_t>::max();
  for (const auto& [id, trials] : by_image) repeats = std::min(repeats, trials.size());
  if (by_image.size() < 2 || repeats < 2) {
    throw std::runtime_error(dir +
                             ": needs at least 2 oracle images (test tier) with 2 repeats "
                             "each for the SNR weights (Eq. 1)");
  }
  std::vector<int64_t> flat;
  for (const auto& [id, trials] : by_image)
    flat.insert(flat.end(), trials.begin(), trials.begin() + repeats);
  return torch::tensor(flat).view(
      {static_cast<int64_t>(by_image.size()), static_cast<int64_t>(repeats)});
}

// Single-trial similarities of pairs of trials of two different oracle
// images, and the matching S_oracle entries (Fig. 1D's cloud).
struct PairValues {
  torch::Tensor single;  // S_{i_t j_t'}, i ≠ j
  torch::Tensor oracle;  // S_oracle_ij for each
};

PairValues oracle_pairs(const torch::Tensor& oracle, const torch::Tensor& w,
                        const torch::Tensor& s_oracle) {
  const int64_t images = oracle.size(0), repeats = oracle.size(1);
  const torch::Tensor e = data_embeddings(oracle.reshape({images * repeats, -1}), w);
  const torch::Tensor s = e.matmul(e.t());
  const torch::Tensor image = torch::arange(images).repeat_interleave(repeats);
  const torch::Tensor different = image.unsqueeze(1) != image.unsqueeze(0);
  return {s.masked_select(different),
          s_oracle.index({image.unsqueeze(1), image.unsqueeze(0)}).masked_select(different)};
}

}  // namespace

sdk::SimilarityTarget data_target(const std::vector<std::string>& scan_dirs,
                                  DataTargetReport& report) {
  if (scan_dirs.empty()) throw std::invalid_argument("data_target: no scan folders given");
  std::vector<torch::Tensor> embeddings;
  torch::Tensor stimuli, image_ids;
  double r_data_oracle = 0, r_data_truth = 0, r_oracle_truth = 0;
  bool all_truth = true;
  for (const std::string& dir : scan_dirs) {
    const Scan raw = read_scan(dir);
    const Scan scan = normalized(raw);
    const torch::Tensor oracle_index = oracle_trials(scan, dir);
    const torch::Tensor oracle = scan.responses.index({oracle_index});  // I×T×A
    const torch::Tensor w = snr_weights(oracle);

    // Images shown once, ordered by image id so every scan lines up.
    std::vector<int64_t> once;
    for (int64_t t = 0; t < scan.trials(); ++t) {
      const std::string& tier = scan.tiers[static_cast<size_t>(t)];
      if (tier == "train" || tier == "validation") once.push_back(t);
    }
    torch::Tensor trials = torch::tensor(once);
    const torch::Tensor order = std::get<1>(scan.frame_image_id.index_select(0, trials).sort());
    trials = trials.index_select(0, order);
    const torch::Tensor ids = scan.frame_image_id.index_select(0, trials);
    if (!image_ids.defined()) {
      image_ids = ids;
      stimuli = (raw.images.index_select(0, trials) / 255.0).clamp(0, 1);
      if (stimuli.size(2) == 144) stimuli = torch::avg_pool2d(stimuli, 4);
    } else if (!ids.equal(image_ids)) {
      throw std::runtime_error(dir + ": shows other images than " + scan_dirs.front() +
                               " (the scans of one target must share their stimuli)");
    }
    embeddings.push_back(data_embeddings(scan.responses.index_select(0, trials), w));

    const torch::Tensor s_oracle = oracle_similarity(oracle, w);
    const PairValues pairs = oracle_pairs(oracle, w, s_oracle);
    r_data_oracle += correlation(pairs.single, pairs.oracle);
    const std::filesystem::path truth_file = std::filesystem::path(dir) / "truth" / "responses.npy";
    if (std::filesystem::exists(truth_file)) {
      const torch::Tensor truth =
          sdk::read_npy(truth_file.string()).to(torch::kFloat) /
          scan.statistics.at("responses")
              .std.clamp_min(0.01 * scan.statistics.at("responses").std.mean().item<double>());
      const torch::Tensor true_e = data_embeddings(truth.index({oracle_index}).mean(1), w);
      const torch::Tensor s_true = true_e.matmul(true_e.t());
      const PairValues against_truth = oracle_pairs(oracle, w, s_true);
      r_data_truth += correlation(against_truth.single, against_truth.oracle);
      const torch::Tensor upper = torch::ones_like(s_true, torch::kBool).triu(1);
      r_oracle_truth += correlation(s_oracle.masked_select(upper), s_true.masked_select(upper));
    } else {
      all_truth = false;
    }
    report.oracle_images = oracle.size(0);
    report.repeats = oracle.size(1);
  }
  const double h = static_cast<double>(scan_dirs.size());
  report.scans = static_cast<int64_t>(scan_dirs.size());
  report.stimuli = image_ids.size(0);
  report.r_data_oracle = r_data_oracle / h;
  report.r_data_truth = all_truth ? r_data_truth / h : std::nan("");
  report.r_oracle_truth = all_truth ? r_oracle_truth / h : std::nan("");

  sdk::SimilarityTarget target;
  target.stimuli = stimuli.to(torch::kFloat);
  target.embeddings = average_over_scans(embeddings);
  target.provenance = absl::StrFormat(
      "neural_data: S_data (Eq. 2) of single trials of %d images shown once, SNR-weighted "
      "(Eq. 1, %d oracle images × %d repeats), averaged over %d scans:\n",
      report.stimuli, report.oracle_images, report.repeats, report.scans);
  for (const std::string& dir : scan_dirs) target.provenance += "  " + dir + "\n";
  return target;
}

}  // namespace neuroreg
