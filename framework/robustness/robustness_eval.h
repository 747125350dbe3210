// The robustness of one trained model (Li et al. 2019, Sec. 4.2 and
// supplement): accuracy under Gaussian noise and common corruptions, and the
// per-sample minimal adversarial perturbation — the minimum over attacks ×
// hyper-parameters × restarts — summarised as median and mean per norm.
#pragma once

#include <neuroreg/sdk/backbone.h>
#include <neuroreg/sdk/dataset.h>

#include <ostream>
#include <vector>

#include "neuroreg/robustness_record.pb.h"
#include "plugin_host/registry.h"
#include "robustness/adversarial_check.h"
#include "robustness/eval_config.h"

namespace neuroreg {

/// The test samples attacked: the first `samples` of a permutation of the
/// split drawn from `seed`, so every model with the same test split is
/// attacked on the same images.
torch::Tensor attacked_samples(int64_t split_size, int64_t samples, uint64_t seed);

/// Runs everything `config` asks for on `model` (any mode; restored after).
/// Fills the evaluation fields of the record; the caller fills run, label,
/// versions and timing. Progress goes to `log`.
record::RobustnessRecord evaluate_robustness(sdk::Backbone& model, const sdk::Split& test,
                                             const EvalConfig& config, const Registry& registry,
                                             torch::Device device, std::ostream& log);

/// What one attack variant found on samples `x`.
struct VariantResult {
  torch::Tensor distances;     ///< N (CPU, double): closest checked distance; 0 where
                               ///< misclassified, +∞ where nothing was found
  torch::Tensor adversarials;  ///< N×C×H×W: the closest checked adversarial, else the original
  CheckCounts counts;          ///< the host's tallies over every returned image
  int64_t queries = 0;
  int64_t restarts = 1;  ///< runs per sample made (1 for attacks that are not randomized)
  int64_t seeded = 0;    ///< attacked samples handed an adversarial start
  sdk::AttackTraits traits;
};

/// Runs one variant on the samples of `x` that are `correct`ly classified,
/// `batch_size` images (restarts included) per call: minimisation attacks
/// once, fixed-ε attacks inside the per-sample ε search. `index` tells the
/// variant's random draws apart from other variants'. `starting_points`
/// (N×C×H×W, optional: adversarials already found, the original where none
/// was) reach an attack that takes_starting_points; other attacks ignore it.
VariantResult run_attack_variant(sdk::Backbone& model, const AttackVariantConfig& variant,
                                 int index, const torch::Tensor& x, const torch::Tensor& y,
                                 const torch::Tensor& correct, int64_t batch_size, uint64_t seed,
                                 const Registry& registry, std::ostream& log,
                                 const torch::Tensor& starting_points = {});

/// The order variants (given by their traits) run in: config order, except
/// that attacks which take starting points come after every other attack, so
/// that they start from the closest adversarial any of them found; among
/// themselves in config order, each handed the minimum so far.
std::vector<size_t> attack_run_order(const std::vector<sdk::AttackTraits>& traits);

/// The median as numpy computes it (mean of the middle two for an even
/// count), with +∞ sorting last.
double median_distance(const torch::Tensor& values);

}  // namespace neuroreg
