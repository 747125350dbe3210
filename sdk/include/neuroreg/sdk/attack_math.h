// Shared math for attacks: norms, projections, random starts, boundary search.
//
// Everything works per sample on a batch (dimension 0) and takes per-sample
// radii as an N-tensor, so one call serves a batch where every sample has its
// own ε. The host measures returned adversarials with lp_norms as well.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "neuroreg/sdk/attack.h"
#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// Per-sample norms (N) of `delta` flattened per sample. L0 counts the
/// entries that differ from zero at all.
NEUROREG_SDK_API torch::Tensor lp_norms(const torch::Tensor& delta, Norm norm);

/// `per_sample` (N) reshaped to broadcast against `like` (N×…).
NEUROREG_SDK_API torch::Tensor expand_like(const torch::Tensor& per_sample,
                                           const torch::Tensor& like);

/// `x` divided by its per-sample norm (L1, L2, L∞), with zero rows left zero.
NEUROREG_SDK_API torch::Tensor normalized(const torch::Tensor& x, Norm norm);

/// The point of the ball ‖δ‖ ≤ radius nearest to `delta`, per sample: exact
/// for L2 and L∞, the sort-based simplex projection for L1 (Duchi et al.
/// 2008), and the `radius` largest entries for L0.
NEUROREG_SDK_API torch::Tensor project_to_ball(const torch::Tensor& delta, Norm norm,
                                               const torch::Tensor& radius);

/// Uniform draws from the ball of each sample's radius (L∞, L2, L1), or
/// `radius` random entries set to ±1 for L0. Uses torch's default generator.
NEUROREG_SDK_API torch::Tensor random_in_ball(const torch::Tensor& like, Norm norm,
                                              const torch::Tensor& radius);

/// Starting points for attacks that need an adversarial to begin from:
/// uniform noise images, redrawn up to `tries` times per sample until the
/// model's label differs from `labels`. Labels only, so any access works.
struct NEUROREG_SDK_API StartingPoints {
  torch::Tensor images;  ///< N×C×H×W: adversarial noise where found, else the original
  torch::Tensor found;   ///< N bool
};
NEUROREG_SDK_API StartingPoints adversarial_noise(ModelView& model, const torch::Tensor& images,
                                                  const torch::Tensor& labels, int tries = 100);

/// Bisects the segment from each original to its adversarial `far` point
/// (`steps` times) and returns the adversarial end nearest the original: a
/// point just across the decision boundary. Samples whose `far` point is not
/// adversarial are returned unchanged. Labels only.
NEUROREG_SDK_API torch::Tensor bisect_to_boundary(ModelView& model, const torch::Tensor& originals,
                                                  const torch::Tensor& far,
                                                  const torch::Tensor& labels, int steps = 25);

/// The margin loss of Carlini & Wagner: logit of the true class minus the
/// largest other logit, per sample. Negative means misclassified.
NEUROREG_SDK_API torch::Tensor margin(const torch::Tensor& logits, const torch::Tensor& labels);

}  // namespace neuroreg::sdk
