// A linear classifier as a backbone, for attack tests: its decision
// boundaries are hyperplanes, so the minimal adversarial distance of every
// sample has a closed form (Li et al.'s protocol can then be checked against
// the truth, not only against other attacks).
#pragma once

#include <neuroreg/sdk/attack.h>
#include <neuroreg/sdk/backbone.h>
#include <torch/torch.h>

#include <limits>
#include <memory>
#include <vector>

#include "support/prototype_task.h"

namespace neuroreg::testing {

class LinearBackbone : public sdk::Backbone {
 public:
  LinearBackbone(int64_t dim, int64_t classes)
      : linear_(register_module("linear", torch::nn::Linear(dim, classes))) {}

  const std::vector<sdk::TapInfo>& taps() const override {
    static const std::vector<sdk::TapInfo> none;
    return none;
  }
  torch::Tensor forward(const torch::Tensor& images) override {
    return linear_->forward(images.flatten(1));
  }
  sdk::TappedForward forward_taps(const torch::Tensor& images, const std::vector<int>&,
                                  bool) override {
    return {forward(images), {}};
  }

  /// Per sample, the distance to the nearest other class's half-space, where
  /// the [0,1] box does not bind: min over j ≠ y of (l_y − l_j) / ‖w_y − w_j‖*,
  /// with ‖·‖* the dual norm (L2 → L2, L∞ → L1, L1 → L∞).
  torch::Tensor minimal_distance(const torch::Tensor& images, const torch::Tensor& labels,
                                 sdk::Norm norm) {
    torch::NoGradGuard no_grad;
    const torch::Tensor logits = forward(images);
    const torch::Tensor w = linear_->weight;
    torch::Tensor best =
        torch::full({images.size(0)}, std::numeric_limits<double>::infinity(), torch::kDouble);
    for (int64_t j = 0; j < w.size(0); ++j) {
      const torch::Tensor diff = w.index_select(0, labels) - w[j];  // N×D
      const torch::Tensor dual = norm == sdk::Norm::kL2     ? diff.norm(2, 1)
                                 : norm == sdk::Norm::kLinf ? diff.abs().sum(1)
                                                            : diff.abs().amax(1);
      const torch::Tensor gap =
          logits.gather(1, labels.view({-1, 1})).squeeze(1) - logits.select(1, j);
      const torch::Tensor d = (gap / dual).to(torch::kDouble);
      best = torch::where(labels.ne(j), torch::minimum(best, d), best);
    }
    return best;
  }

 private:
  torch::nn::Linear linear_;
};

/// Images 1×side×side around `classes` random prototypes near mid-grey, with
/// a linear classifier trained on them (Adam, a few hundred steps): a tiny
/// trained model whose boundary is known exactly.
using LinearTask = TrainedTask<LinearBackbone>;

inline LinearTask trained_linear_task(int64_t samples = 64, int64_t classes = 4, int64_t side = 8,
                                      uint64_t seed = 0) {
  return trained_task<LinearBackbone>(
      [&] { return std::make_shared<LinearBackbone>(side * side, classes); }, samples, classes,
      side, 0.08, 0.04, 0.05, 200, seed);
}

}  // namespace neuroreg::testing
