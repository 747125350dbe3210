// The host's check of what an attack returned (Foolbox 3's rule: the caller,
// not the attack, decides what counts). Every returned image is clipped to
// [0,1] and re-classified, and its distance to the original is measured
// again; only misclassified images count, at the distance measured here.
// Everything else is tallied by reason, never silently dropped.
#pragma once

#include <neuroreg/sdk/attack.h>
#include <neuroreg/sdk/backbone.h>

#include <cstdint>
#include <string>

namespace neuroreg {

/// Tallies per reason, summed over samples (and restarts and search steps).
struct CheckCounts {
  int64_t returned = 0;
  int64_t adversarial = 0;      ///< counted
  int64_t unchanged = 0;        ///< the original came back: nothing found
  int64_t not_adversarial = 0;  ///< changed, but still classified correctly
  int64_t non_finite = 0;       ///< NaN/inf values: rejected
  int64_t clipped = 0;          ///< had values outside [0,1] before clipping
  int64_t over_budget = 0;      ///< fixed-ε: adversarial but farther than ε

  CheckCounts& operator+=(const CheckCounts& other);
};

struct CheckedBatch {
  torch::Tensor distances;  ///< N, on the CPU: measured norm, +∞ where not adversarial
  torch::Tensor images;     ///< N×C×H×W: the clipped images that were classified
  CheckCounts counts;
};

/// Checks `returned` against `originals` (correctly classified, true
/// `labels`). `epsilons` (N, optional) are the budgets a fixed-ε attack was
/// given. The model must be in eval mode. Throws std::runtime_error naming
/// `attack` when the returned tensor does not have the originals' shape.
CheckedBatch check_adversarials(sdk::Backbone& model, const torch::Tensor& originals,
                                const torch::Tensor& labels, const torch::Tensor& returned,
                                sdk::Norm norm, const std::string& attack,
                                const torch::Tensor& epsilons = {});

}  // namespace neuroreg
