#include "neural/neural_targets.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/npy.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

#include "neural/fit.h"
#include "neural/neural_similarity.h"
#include "neural/recordings.h"
#include "neural/simulated_scans.h"

namespace neuroreg {
namespace {

double correlation(const torch::Tensor& a, const torch::Tensor& b) {
  torch::Tensor x = a.flatten().to(torch::kDouble), y = b.flatten().to(torch::kDouble);
  x = x - x.mean();
  y = y - y.mean();
  return (x.dot(y) / (x.norm() * y.norm())).item<double>();
}

// What simulated the scan whose truth is at `truth_path` (the simulator.txt
// beside it, for the targets' provenance); "" for real recordings.
std::string simulator_description(const std::string& truth_path) {
  const std::filesystem::path file =
      std::filesystem::path(truth_path).parent_path() / "simulator.txt";
  if (!std::filesystem::exists(file)) return "";
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return "simulated recordings (" + file.string() + "):\n" + text.str();
}

double upper_correlation(const torch::Tensor& s1, const torch::Tensor& s2) {
  const torch::Tensor upper = torch::ones_like(s1, torch::kBool).triu(1);
  return correlation(s1.masked_select(upper), s2.masked_select(upper));
}

// Single-trial similarities of pairs of trials of two different oracle
// images, and the matching entries of `reference` (I×I).
struct PairValues {
  torch::Tensor single;     // S_{i_t j_t'}, i ≠ j
  torch::Tensor reference;  // reference_ij for each
};

PairValues oracle_pairs(const torch::Tensor& oracle, const torch::Tensor& w,
                        const torch::Tensor& reference) {
  const int64_t images = oracle.size(0), repeats = oracle.size(1);
  const torch::Tensor e = data_embeddings(oracle.reshape({images * repeats, -1}), w);
  const torch::Tensor s = e.matmul(e.t());
  const torch::Tensor image = torch::arange(images).repeat_interleave(repeats);
  const torch::Tensor different = image.unsqueeze(1) != image.unsqueeze(0);
  return {s.masked_select(different),
          reference.index({image.unsqueeze(1), image.unsqueeze(0)}).masked_select(different)};
}

template <typename Member>
double mean_over(const std::vector<ScanReport>& scans, Member member) {
  double sum = 0;
  for (const ScanReport& s : scans) sum += s.*member;
  return sum / static_cast<double>(scans.size());
}

}  // namespace

std::string describe_normalisation(const std::string& normalise) {
  if (normalise == "std") {
    return "responses divided by each neuron's standard deviation (meta/statistics, floored at "
           "1% of the mean over neurons), as the models are fitted (--normalise std)";
  }
  if (normalise == "none") return "responses as recorded (--normalise none)";
  throw std::invalid_argument("--normalise must be std or none, got '" + normalise + "'");
}

NeuralTargets neural_targets(const std::vector<std::string>& scan_dirs,
                             const std::vector<std::shared_ptr<PredictiveModel>>& models,
                             TargetReport& report, std::ostream& log,
                             const TargetOptions& options) {
  report.normalisation = describe_normalisation(options.normalise);
  const bool recorded_units = options.normalise == "none";
  report.truth_files.clear();
  if (scan_dirs.empty()) throw std::invalid_argument("neural targets: no scan folders given");
  if (!models.empty() && models.size() != scan_dirs.size()) {
    throw std::invalid_argument(
        absl::StrFormat("neural targets: %d models for %d scans (one fitted model per scan)",
                        models.size(), scan_dirs.size()));
  }
  std::vector<torch::Tensor> data_e, model_e, true_e, s_oracles, repeat_fluctuations;
  torch::Tensor oracle_ids;
  bool same_oracle = true;
  torch::Tensor stimuli, image_ids;
  int64_t once_rows = 0;
  bool all_truth = true;
  std::string simulator;  // simulated scans say how they were simulated
  report.scans.clear();
  for (size_t h = 0; h < scan_dirs.size(); ++h) {
    const std::string& dir = scan_dirs[h];
    log << absl::StrFormat("  scan %d/%d: %s\n", h + 1, scan_dirs.size(), dir) << std::flush;
    const Scan raw = read_scan(dir);
    Scan scan = normalized(raw);
    // The models take normalised inputs and predict normalised responses;
    // in recorded units responses are raw and predictions scaled back.
    const torch::Tensor unit = response_scale(raw);
    if (recorded_units) scan.responses = raw.responses.to(scan.responses.dtype());
    auto in_units = [&](const torch::Tensor& predicted) {
      return recorded_units ? predicted * unit.to(predicted.dtype()) : predicted;
    };
    ScanReport sr;
    sr.dir = dir;
    sr.neurons = scan.responses.size(1);
    const torch::Tensor oracle_index = oracle_trials(scan, dir);  // I×T
    const int64_t images = oracle_index.size(0), repeats = oracle_index.size(1);
    const torch::Tensor oracle = scan.responses.index({oracle_index});  // I×T×A
    const torch::Tensor w = snr_weights(oracle);

    // The target's rows: every image shown once (by frame_image_id), then
    // every oracle image (its first repeat: a single trial like the others).
    const torch::Tensor once = once_trials(scan);
    const torch::Tensor trials = torch::cat({once, oracle_index.select(1, 0)});
    const torch::Tensor ids = scan.frame_image_id.index_select(0, trials);
    if (!image_ids.defined()) {
      image_ids = ids;
      once_rows = once.size(0);
      stimuli = (raw.images.index_select(0, trials) / 255.0).clamp(0, 1);
      if (stimuli.size(2) == 144) stimuli = torch::avg_pool2d(stimuli, 4);
    } else if (!ids.equal(image_ids)) {
      throw std::runtime_error(dir + ": shows other images than " + scan_dirs.front() +
                               " (the scans of one target must share their stimuli, the "
                               "images shown once and the oracle images)");
    }
    data_e.push_back(data_embeddings(scan.responses.index_select(0, trials), w));

    const torch::Tensor s_oracle = oracle_similarity(oracle, w);
    const torch::Tensor ids_oracle = scan.frame_image_id.index_select(0, oracle_index.select(1, 0));
    if (!oracle_ids.defined()) oracle_ids = ids_oracle;
    same_oracle = same_oracle && ids_oracle.equal(oracle_ids);
    s_oracles.push_back(s_oracle);
    repeat_fluctuations.push_back(repeat_fluctuation(oracle, w));
    const PairValues pairs = oracle_pairs(oracle, w, s_oracle);
    sr.r_data_oracle = correlation(pairs.single, pairs.reference);
    const torch::Tensor e_trials = data_embeddings(oracle.reshape({images * repeats, -1}), w);
    sr.r_data_oracle_loo = leave_one_out_oracle_r(oracle, w, e_trials.matmul(e_trials.t()));
    if (h == 0) {
      report.s_oracle = s_oracle;
      report.single_trial_pairs = pairs.single;
      report.single_trial_oracle = pairs.reference;
    }

    torch::Tensor s_model;
    if (!models.empty()) {
      PredictiveModel& model = *models[h];
      if (model.neurons() != sr.neurons) {
        throw std::runtime_error(absl::StrFormat(
            "%s: has %d neurons but its model (number %d) predicts %d; fit the model on this "
            "scan",
            dir, sr.neurons, h + 1, model.neurons()));
      }
      const torch::Tensor predicted =
          in_units(predict(model, scan, oracle_index.flatten())).view({images, repeats, -1});
      sr.metrics = neuron_metrics(predicted, oracle);
      const torch::Tensor wv = w * sr.metrics.test_correlation.clamp_min(0);  // Eq. 6
      model_e.push_back(
          data_embeddings(in_units(predict(model, scan, trials, /*mean_behavior=*/true)), wv));
      const torch::Tensor e_oracle =
          data_embeddings(in_units(predict(model, scan, oracle_index.select(1, 0), true)), wv);
      s_model = e_oracle.matmul(e_oracle.t());
      sr.r_model_oracle = upper_correlation(s_model, s_oracle);
      sr.r_model_oracle_loo = leave_one_out_oracle_r(oracle, w, s_model);
      if (h == 0) {
        report.s_model = s_model;
        const torch::Tensor upper = torch::ones_like(s_model, torch::kBool).triu(1);
        report.model_pairs = s_model.masked_select(upper);
        report.model_oracle = s_oracle.masked_select(upper);
      }
    }

    const std::string truth_path = truth_file(dir, options.truth_dir);
    report.truth_files.push_back(truth_path);
    if (simulator.empty()) simulator = simulator_description(truth_path);
    torch::Tensor truth = read_truth(raw, truth_path);
    if (truth.defined() && recorded_units) truth = truth * unit.to(truth.dtype());
    if (truth.defined()) {
      const torch::Tensor e_true = data_embeddings(truth.index({oracle_index}).mean(1), w);
      const torch::Tensor s_true = e_true.matmul(e_true.t());
      const PairValues against_truth = oracle_pairs(oracle, w, s_true);
      sr.r_data_truth = correlation(against_truth.single, against_truth.reference);
      sr.r_oracle_truth = upper_correlation(s_oracle, s_true);
      if (s_model.defined()) sr.r_model_truth = upper_correlation(s_model, s_true);
      true_e.push_back(data_embeddings(truth.index_select(0, trials), w));
      sr.truth_test_correlation =
          neuron_correlations(truth.index({oracle_index}).flatten(0, 1), oracle.flatten(0, 1))
              .mean()
              .item<double>();
      if (h == 0) report.s_true = s_true;
    } else {
      all_truth = false;
    }
    report.oracle_images = images;
    report.repeats = repeats;
    report.scans.push_back(sr);
  }
  report.stimuli = once_rows;
  report.repeat_fluctuation = torch::cat(repeat_fluctuations);
  if (s_oracles.size() >= 2 && same_oracle)
    report.scan_fluctuation = scan_fluctuation(s_oracles).flatten();
  report.r_data_oracle = mean_over(report.scans, &ScanReport::r_data_oracle);
  report.r_data_oracle_loo = mean_over(report.scans, &ScanReport::r_data_oracle_loo);
  if (!models.empty()) {
    report.r_model_oracle = mean_over(report.scans, &ScanReport::r_model_oracle);
    report.r_model_oracle_loo = mean_over(report.scans, &ScanReport::r_model_oracle_loo);
  }

  NeuralTargets targets;
  targets.data.stimuli = stimuli.to(torch::kFloat);
  targets.data.embeddings = average_over_scans(data_e);
  targets.data.ids = image_ids.to(torch::kLong);
  targets.data.tiers.assign(static_cast<size_t>(once_rows), "once");
  targets.data.tiers.resize(static_cast<size_t>(image_ids.size(0)), "oracle");
  const std::string scans_text = absl::StrFormat(
      "%d images shown once and the %d oracle images (their first repeat; tiers.npy flags "
      "them, ids.npy holds each row's frame_image_id), SNR-weighted (Eq. 1, %d oracle images "
      "× %d repeats), rows centred over all of them, averaged over %d scans:\n",
      report.stimuli, report.oracle_images, report.oracle_images, report.repeats, scan_dirs.size());
  std::string scan_list;
  for (const std::string& dir : scan_dirs) scan_list += "  " + dir + "\n";
  std::string sources = scan_list;
  sources +=
      "normalisation: " + report.normalisation +
      "\nweights: w_a = SNR of each neuron on the oracle repeats (Eq. 1)" +
      (models.empty() ? std::string() : ", × v_a (the model's test correlation) for S_model") +
      "\n";
  if (!options.command.empty()) sources += "command: " + options.command + "\n";
  sources += simulator;
  targets.data.provenance =
      "neural_data: S_data (Eq. 2) of single trials of " + scans_text + sources;
  if (!models.empty()) {
    targets.model.stimuli = targets.data.stimuli;
    targets.model.ids = targets.data.ids;
    targets.model.tiers = targets.data.tiers;
    targets.model.embeddings = average_over_scans(model_e);
    targets.model.provenance =
        "neural_model: S_model (Eq. 6, predictions × w_a·v_a under mean "
        "behaviour, models " +
        models.front()->settings().core + ") of " + scans_text + sources;
  }
  targets.pixels.stimuli = targets.data.stimuli;
  targets.pixels.ids = targets.data.ids;
  targets.pixels.tiers = targets.data.tiers;
  targets.pixels.embeddings = sdk::unit_embeddings(targets.data.stimuli.flatten(1));
  targets.pixels.provenance =
      "pixels: the control, S the centred cosine similarity of the stimuli's own pixels (Eq. 2 "
      "on pixels instead of responses), over the same rows as neural_data: " +
      absl::StrFormat("%d images shown once and the %d oracle images (tiers.npy, ids.npy) of:\n",
                      report.stimuli, report.oracle_images) +
      scan_list + (options.command.empty() ? "" : "command: " + options.command + "\n") + simulator;
  if (all_truth) {
    report.r_oracle_truth = mean_over(report.scans, &ScanReport::r_oracle_truth);
    report.r_data_truth = mean_over(report.scans, &ScanReport::r_data_truth);
    log << "  scoring the targets against the truth\n" << std::flush;
    const torch::Tensor truth_target = average_over_scans(true_e);
    report.r_target_data_truth = offdiagonal_correlation(targets.data.embeddings, truth_target);
    if (!models.empty()) {
      report.r_model_truth = mean_over(report.scans, &ScanReport::r_model_truth);
      report.r_target_model_truth = offdiagonal_correlation(targets.model.embeddings, truth_target);
    }
  }
  return targets;
}

}  // namespace neuroreg
