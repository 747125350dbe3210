// The similarity targets from recordings (Li et al. 2019, Section 2), and
// how good they are (Fig. 1).
//
// Per scan: SNR weights from the oracle repeats (Eq. 1; the test tier,
// grouped by frame_image_id); S_data (Eq. 2) from the single trials of every
// image shown once (train and validation tiers, ordered by frame_image_id);
// with a fitted predictive model, S_model (Eq. 6) from its predictions for
// the same images under the scan's mean behaviour, weighted by w_a·v_a (v_a
// the neuron's single-trial test correlation, floored at 0). Scans must show
// the same images; their embeddings are averaged (S is the mean over scans).
//
// Quality, on the oracle images, two ways: r(S_data, S_oracle) over
// single-trial pairs of different images, against S_oracle from the other
// repeats (leave-one-out: the paper's Fig. 1D, 0.39) and from all repeats;
// r(S_model, S_oracle) over image pairs (all repeats: the paper's 0.73) and
// per trial pair against the leave-one-out S_oracle. Simulated scans hold
// truth/responses.npy (noise-free); then every similarity is also scored
// against S_true, on the oracle images and on the target's own stimuli.
#pragma once

#include <neuroreg/sdk/target.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "neural/model/predictive_model.h"
#include "neural/neuron_metrics.h"

namespace neuroreg {

/// One scan's share of the report.
struct ScanReport {
  std::string dir;
  int64_t neurons = 0;
  double r_data_oracle = 0;
  double r_model_oracle = NAN;  ///< NaN without a model
  /// The same against S_oracle from the other repeats (leave-one-out, as
  /// the paper's Fig. 1D: a trial is never scored against itself).
  double r_data_oracle_loo = 0;
  double r_model_oracle_loo = NAN;
  double r_oracle_truth = NAN;  ///< NaN without truth
  double r_data_truth = NAN;
  double r_model_truth = NAN;
  /// Mean over neurons of the noise-free truth's single-trial correlation on
  /// the oracle trials: the most a model's test r can be. NaN without truth.
  double truth_test_correlation = NAN;
  NeuronMetrics metrics;  ///< undefined tensors without a model
};

struct TargetReport {
  int64_t stimuli = 0;                   ///< non-oracle images in the targets
  std::string normalisation;             ///< describe_normalisation() of the options
  std::vector<std::string> truth_files;  ///< where the truth was looked for, per scan
  int64_t oracle_images = 0;
  int64_t repeats = 0;
  std::vector<ScanReport> scans;
  /// Means over scans of the per-scan values (NaN where any scan lacks one).
  double r_data_oracle = 0, r_model_oracle = NAN, r_oracle_truth = NAN, r_data_truth = NAN,
         r_model_truth = NAN, r_data_oracle_loo = 0, r_model_oracle_loo = NAN;
  /// On the targets themselves (averaged over scans, every pair of distinct
  /// target stimuli) against the truth averaged alike; NaN without truth.
  double r_target_data_truth = NAN, r_target_model_truth = NAN;

  /// Fig. 1C: ΔS_scan (Eq. 4; each scan's S_oracle minus the mean over
  /// scans, pairs i < j; undefined with one scan or when scans showed other
  /// oracle images) and ΔS_repeat (Eq. 5, every scan's values together).
  torch::Tensor scan_fluctuation, repeat_fluctuation;

  /// The first scan's oracle-image matrices (I×I) for pictures; s_model and
  /// s_true are undefined without a model / truth.
  torch::Tensor s_oracle, s_model, s_true;
  /// Fig. 1D for the first scan: single-trial similarities of pairs of
  /// different oracle images and their S_oracle; S_model vs S_oracle per pair.
  torch::Tensor single_trial_pairs, single_trial_oracle, model_pairs, model_oracle;
};

/// How the targets are computed, beyond the scans and models.
struct TargetOptions {
  /// "std": each neuron's responses divided by its standard deviation
  /// (response_scale) before Eq. 1-2, as the models are fitted; "none": the
  /// recorded values (model predictions scaled back to them).
  std::string normalise = "std";
  /// Where the noise-free truth is: "" → <scan>/truth/responses.npy, else
  /// <truth_dir>/<scan folder name>/responses.npy (truth_file).
  std::string truth_dir;
  std::string command;  ///< the command line, for provenance.txt
};

/// The normalisation in words, for reports and provenance.
std::string describe_normalisation(const std::string& normalise);

struct NeuralTargets {
  sdk::SimilarityTarget data;   ///< neural_data
  sdk::SimilarityTarget model;  ///< neural_model; empty without models
  /// The control: the same rows (stimuli, ids, tiers) with S the centred
  /// cosine similarity of the stimuli's own pixels. If it regularizes as
  /// well as the neural targets, the effect is not neural.
  sdk::SimilarityTarget pixels;
};

/// Builds the targets from the scan folders at `scan_dirs`, with `models`
/// either empty (neural_data only) or one fitted model per scan, in order.
/// Progress goes to `log`.
NeuralTargets neural_targets(const std::vector<std::string>& scan_dirs,
                             const std::vector<std::shared_ptr<PredictiveModel>>& models,
                             TargetReport& report, std::ostream& log,
                             const TargetOptions& options = {});

}  // namespace neuroreg
