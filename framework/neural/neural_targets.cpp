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

// One scan read for the targets: its responses in the units the options ask
// for, its oracle repeats and the trials that make the target's rows.
struct PreparedScan {
  std::string dir;
  Scan raw;
  Scan scan;           // normalised, or with the raw responses in recorded units
  torch::Tensor unit;  // response_scale(raw)
  bool recorded_units = false;
  torch::Tensor oracle_index;  // I×T
  int64_t images = 0, repeats = 0;
  torch::Tensor oracle;   // I×T×A
  torch::Tensor w;        // SNR weights (Eq. 1)
  int64_t once_rows = 0;  // rows of images shown once, first in `trials`
  torch::Tensor trials;   // the target's rows
  torch::Tensor ids;      // their frame_image_id

  // The models take normalised inputs and predict normalised responses;
  // in recorded units responses are raw and predictions scaled back.
  torch::Tensor in_units(const torch::Tensor& predicted) const {
    return recorded_units ? predicted * unit.to(predicted.dtype()) : predicted;
  }
};

PreparedScan prepare_scan(const std::string& dir, bool recorded_units) {
  PreparedScan p;
  p.dir = dir;
  p.raw = read_scan(dir);
  p.scan = normalized(p.raw);
  p.unit = response_scale(p.raw);
  p.recorded_units = recorded_units;
  if (recorded_units) p.scan.responses = p.raw.responses.to(p.scan.responses.dtype());
  p.oracle_index = oracle_trials(p.scan, dir);
  p.images = p.oracle_index.size(0);
  p.repeats = p.oracle_index.size(1);
  p.oracle = p.scan.responses.index({p.oracle_index});
  p.w = snr_weights(p.oracle);
  // The target's rows: every image shown once (by frame_image_id), then
  // every oracle image (its first repeat: a single trial like the others).
  const torch::Tensor once = once_trials(p.scan);
  p.once_rows = once.size(0);
  p.trials = torch::cat({once, p.oracle_index.select(1, 0)});
  p.ids = p.scan.frame_image_id.index_select(0, p.trials);
  return p;
}

// A target over the same rows as `rows` (stimuli, ids, tiers), S still to come.
sdk::SimilarityTarget same_rows(const sdk::SimilarityTarget& rows) {
  sdk::SimilarityTarget target;
  target.stimuli = rows.stimuli;
  target.ids = rows.ids;
  target.tiers = rows.tiers;
  return target;
}

// Per scan: the scan read and prepared (PreparedScan), its rows checked
// against the first scan's, then scored three ways (against its own oracle
// repeats, its model, its truth); then the means over scans, the three
// targets with their provenance, and the targets scored against the truth.
class TargetBuilder {
 public:
  TargetBuilder(const std::vector<std::string>& scan_dirs,
                const std::vector<std::shared_ptr<PredictiveModel>>& models, TargetReport& report,
                std::ostream& log, const TargetOptions& options)
      : scan_dirs_(scan_dirs), models_(models), report_(report), log_(log), options_(options) {}

  NeuralTargets build() {
    report_.normalisation = describe_normalisation(options_.normalise);
    recorded_units_ = options_.normalise == "none";
    report_.truth_files.clear();
    check_inputs();
    report_.scans.clear();
    for (size_t h = 0; h < scan_dirs_.size(); ++h) add_scan(h);
    summarise_scans();
    NeuralTargets targets = make_targets();
    if (all_truth_) score_targets_against_truth(targets);
    return targets;
  }

 private:
  void check_inputs() const {
    if (scan_dirs_.empty()) throw std::invalid_argument("neural targets: no scan folders given");
    if (!models_.empty() && models_.size() != scan_dirs_.size()) {
      throw std::invalid_argument(
          absl::StrFormat("neural targets: %d models for %d scans (one fitted model per scan)",
                          models_.size(), scan_dirs_.size()));
    }
  }

  void add_scan(size_t h) {
    const std::string& dir = scan_dirs_[h];
    log_ << absl::StrFormat("  scan %d/%d: %s\n", h + 1, scan_dirs_.size(), dir) << std::flush;
    const PreparedScan p = prepare_scan(dir, recorded_units_);
    ScanReport sr;
    sr.dir = dir;
    sr.neurons = p.scan.responses.size(1);
    share_rows(p);
    data_e_.push_back(data_embeddings(p.scan.responses.index_select(0, p.trials), p.w));
    const bool first = h == 0;
    const torch::Tensor s_oracle = score_against_oracle(p, first, sr);
    torch::Tensor s_model;
    if (!models_.empty()) s_model = score_model(*models_[h], h, p, s_oracle, first, sr);
    score_against_truth(p, s_oracle, s_model, first, sr);
    report_.oracle_images = p.images;
    report_.repeats = p.repeats;
    report_.scans.push_back(sr);
  }

  // The first scan fixes the target's rows and stimuli; the others must show
  // the same images.
  void share_rows(const PreparedScan& p) {
    if (!image_ids_.defined()) {
      image_ids_ = p.ids;
      once_rows_ = p.once_rows;
      stimuli_ = (p.raw.images.index_select(0, p.trials) / 255.0).clamp(0, 1);
      if (stimuli_.size(2) == 144) stimuli_ = torch::avg_pool2d(stimuli_, 4);
    } else if (!p.ids.equal(image_ids_)) {
      throw std::runtime_error(p.dir + ": shows other images than " + scan_dirs_.front() +
                               " (the scans of one target must share their stimuli, the "
                               "images shown once and the oracle images)");
    }
  }

  // S_oracle and the single-trial data against it; returns S_oracle.
  torch::Tensor score_against_oracle(const PreparedScan& p, bool first, ScanReport& sr) {
    const torch::Tensor s_oracle = oracle_similarity(p.oracle, p.w);
    const torch::Tensor ids_oracle =
        p.scan.frame_image_id.index_select(0, p.oracle_index.select(1, 0));
    if (!oracle_ids_.defined()) oracle_ids_ = ids_oracle;
    same_oracle_ = same_oracle_ && ids_oracle.equal(oracle_ids_);
    s_oracles_.push_back(s_oracle);
    repeat_fluctuations_.push_back(repeat_fluctuation(p.oracle, p.w));
    const PairValues pairs = oracle_pairs(p.oracle, p.w, s_oracle);
    sr.r_data_oracle = correlation(pairs.single, pairs.reference);
    const torch::Tensor e_trials =
        data_embeddings(p.oracle.reshape({p.images * p.repeats, -1}), p.w);
    sr.r_data_oracle_loo = leave_one_out_oracle_r(p.oracle, p.w, e_trials.matmul(e_trials.t()));
    if (first) {
      report_.s_oracle = s_oracle;
      report_.single_trial_pairs = pairs.single;
      report_.single_trial_oracle = pairs.reference;
    }
    return s_oracle;
  }

  // The model's predictions for the scan: its neuron metrics, S_model (Eq. 6)
  // against S_oracle; returns S_model.
  torch::Tensor score_model(PredictiveModel& model, size_t h, const PreparedScan& p,
                            const torch::Tensor& s_oracle, bool first, ScanReport& sr) {
    if (model.neurons() != sr.neurons) {
      throw std::runtime_error(absl::StrFormat(
          "%s: has %d neurons but its model (number %d) predicts %d; fit the model on this "
          "scan",
          p.dir, sr.neurons, h + 1, model.neurons()));
    }
    const torch::Tensor predicted = p.in_units(predict(model, p.scan, p.oracle_index.flatten()))
                                        .view({p.images, p.repeats, -1});
    sr.metrics = neuron_metrics(predicted, p.oracle);
    const torch::Tensor wv = p.w * sr.metrics.test_correlation.clamp_min(0);  // Eq. 6
    model_e_.push_back(
        data_embeddings(p.in_units(predict(model, p.scan, p.trials, /*mean_behavior=*/true)), wv));
    const torch::Tensor e_oracle =
        data_embeddings(p.in_units(predict(model, p.scan, p.oracle_index.select(1, 0), true)), wv);
    const torch::Tensor s_model = e_oracle.matmul(e_oracle.t());
    sr.r_model_oracle = upper_correlation(s_model, s_oracle);
    sr.r_model_oracle_loo = leave_one_out_oracle_r(p.oracle, p.w, s_model);
    if (first) {
      report_.s_model = s_model;
      const torch::Tensor upper = torch::ones_like(s_model, torch::kBool).triu(1);
      report_.model_pairs = s_model.masked_select(upper);
      report_.model_oracle = s_oracle.masked_select(upper);
    }
    return s_model;
  }

  // Simulated scans: every similarity against S_true of the noise-free truth.
  void score_against_truth(const PreparedScan& p, const torch::Tensor& s_oracle,
                           const torch::Tensor& s_model, bool first, ScanReport& sr) {
    const std::string truth_path = truth_file(p.dir, options_.truth_dir);
    report_.truth_files.push_back(truth_path);
    if (simulator_.empty()) simulator_ = simulator_description(truth_path);
    torch::Tensor truth = read_truth(p.raw, truth_path);
    if (!truth.defined()) {
      all_truth_ = false;
      return;
    }
    if (p.recorded_units) truth = truth * p.unit.to(truth.dtype());
    const torch::Tensor e_true = data_embeddings(truth.index({p.oracle_index}).mean(1), p.w);
    const torch::Tensor s_true = e_true.matmul(e_true.t());
    const PairValues against_truth = oracle_pairs(p.oracle, p.w, s_true);
    sr.r_data_truth = correlation(against_truth.single, against_truth.reference);
    sr.r_oracle_truth = upper_correlation(s_oracle, s_true);
    if (s_model.defined()) sr.r_model_truth = upper_correlation(s_model, s_true);
    true_e_.push_back(data_embeddings(truth.index_select(0, p.trials), p.w));
    sr.truth_test_correlation =
        neuron_correlations(truth.index({p.oracle_index}).flatten(0, 1), p.oracle.flatten(0, 1))
            .mean()
            .item<double>();
    if (first) report_.s_true = s_true;
  }

  void summarise_scans() {
    report_.stimuli = once_rows_;
    report_.repeat_fluctuation = torch::cat(repeat_fluctuations_);
    if (s_oracles_.size() >= 2 && same_oracle_)
      report_.scan_fluctuation = scan_fluctuation(s_oracles_).flatten();
    report_.r_data_oracle = mean_over(report_.scans, &ScanReport::r_data_oracle);
    report_.r_data_oracle_loo = mean_over(report_.scans, &ScanReport::r_data_oracle_loo);
    if (!models_.empty()) {
      report_.r_model_oracle = mean_over(report_.scans, &ScanReport::r_model_oracle);
      report_.r_model_oracle_loo = mean_over(report_.scans, &ScanReport::r_model_oracle_loo);
    }
  }

  NeuralTargets make_targets() const {
    NeuralTargets targets;
    targets.data.stimuli = stimuli_.to(torch::kFloat);
    targets.data.embeddings = average_over_scans(data_e_);
    targets.data.ids = image_ids_.to(torch::kLong);
    targets.data.tiers.assign(static_cast<size_t>(once_rows_), "once");
    targets.data.tiers.resize(static_cast<size_t>(image_ids_.size(0)), "oracle");
    const std::string sources = scan_list() + weights_and_command();
    targets.data.provenance =
        "neural_data: S_data (Eq. 2) of single trials of " + rows_text() + sources;
    if (!models_.empty()) {
      targets.model = same_rows(targets.data);
      targets.model.embeddings = average_over_scans(model_e_);
      targets.model.provenance =
          "neural_model: S_model (Eq. 6, predictions × w_a·v_a under mean "
          "behaviour, models " +
          models_.front()->settings().core + ") of " + rows_text() + sources;
    }
    targets.pixels = same_rows(targets.data);
    targets.pixels.embeddings = sdk::unit_embeddings(targets.data.stimuli.flatten(1));
    targets.pixels.provenance = pixels_provenance();
    return targets;
  }

  // What the rows of the neural targets are, for their provenance.
  std::string rows_text() const {
    return absl::StrFormat(
        "%d images shown once and the %d oracle images (their first repeat; tiers.npy flags "
        "them, ids.npy holds each row's frame_image_id), SNR-weighted (Eq. 1, %d oracle images "
        "× %d repeats), rows centred over all of them, averaged over %d scans:\n",
        report_.stimuli, report_.oracle_images, report_.oracle_images, report_.repeats,
        scan_dirs_.size());
  }

  std::string scan_list() const {
    std::string list;
    for (const std::string& dir : scan_dirs_) list += "  " + dir + "\n";
    return list;
  }

  // The provenance's lines after the scan list: normalisation, weights,
  // command, simulator.
  std::string weights_and_command() const {
    std::string text =
        "normalisation: " + report_.normalisation +
        "\nweights: w_a = SNR of each neuron on the oracle repeats (Eq. 1)" +
        (models_.empty() ? std::string() : ", × v_a (the model's test correlation) for S_model") +
        "\n";
    return text + command_and_simulator();
  }

  std::string command_and_simulator() const {
    return (options_.command.empty() ? "" : "command: " + options_.command + "\n") + simulator_;
  }

  std::string pixels_provenance() const {
    return "pixels: the control, S the centred cosine similarity of the stimuli's own pixels "
           "(Eq. 2 on pixels instead of responses), over the same rows as neural_data: " +
           absl::StrFormat(
               "%d images shown once and the %d oracle images (tiers.npy, ids.npy) of:\n",
               report_.stimuli, report_.oracle_images) +
           scan_list() + command_and_simulator();
  }

  void score_targets_against_truth(const NeuralTargets& targets) {
    report_.r_oracle_truth = mean_over(report_.scans, &ScanReport::r_oracle_truth);
    report_.r_data_truth = mean_over(report_.scans, &ScanReport::r_data_truth);
    log_ << "  scoring the targets against the truth\n" << std::flush;
    const torch::Tensor truth_target = average_over_scans(true_e_);
    report_.r_target_data_truth = offdiagonal_correlation(targets.data.embeddings, truth_target);
    if (!models_.empty()) {
      report_.r_model_truth = mean_over(report_.scans, &ScanReport::r_model_truth);
      report_.r_target_model_truth =
          offdiagonal_correlation(targets.model.embeddings, truth_target);
    }
  }

  const std::vector<std::string>& scan_dirs_;
  const std::vector<std::shared_ptr<PredictiveModel>>& models_;
  TargetReport& report_;
  std::ostream& log_;
  const TargetOptions& options_;
  bool recorded_units_ = false;

  // The target's rows, fixed by the first scan.
  torch::Tensor stimuli_, image_ids_;
  int64_t once_rows_ = 0;
  // Per scan: the embeddings of the targets' rows, and of the truth.
  std::vector<torch::Tensor> data_e_, model_e_, true_e_;
  // Per scan, for the fluctuations (Fig. 1C).
  std::vector<torch::Tensor> s_oracles_, repeat_fluctuations_;
  torch::Tensor oracle_ids_;
  bool same_oracle_ = true;  // every scan showed the first one's oracle images
  bool all_truth_ = true;
  std::string simulator_;  // simulated scans say how they were simulated
};

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
  return TargetBuilder(scan_dirs, models, report, log, options).build();
}

}  // namespace neuroreg
