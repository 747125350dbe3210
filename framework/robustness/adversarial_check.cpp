#include "robustness/adversarial_check.h"

#include <neuroreg/sdk/attack_math.h>
#include <torch/torch.h>

#include <limits>
#include <sstream>
#include <stdexcept>

namespace neuroreg {

CheckCounts& CheckCounts::operator+=(const CheckCounts& other) {
  returned += other.returned;
  adversarial += other.adversarial;
  unchanged += other.unchanged;
  not_adversarial += other.not_adversarial;
  non_finite += other.non_finite;
  clipped += other.clipped;
  over_budget += other.over_budget;
  return *this;
}

namespace {

int64_t count(const torch::Tensor& mask) { return mask.sum().item<int64_t>(); }

// Per-sample "any" over every non-batch dimension.
torch::Tensor any_per_sample(const torch::Tensor& mask) { return mask.flatten(1).any(1); }

}  // namespace

CheckedBatch check_adversarials(sdk::Backbone& model, const torch::Tensor& originals,
                                const torch::Tensor& labels, const torch::Tensor& returned,
                                sdk::Norm norm, const std::string& attack,
                                const torch::Tensor& epsilons) {
  if (!returned.defined() || returned.sizes() != originals.sizes() ||
      !returned.is_floating_point()) {
    std::ostringstream message;
    message << "attack '" << attack << "' returned "
            << (returned.defined() ? returned.sizes() : c10::IntArrayRef{}) << " for a batch of "
            << originals.sizes() << "; expected floating-point images of the batch's shape";
    throw std::runtime_error(message.str());
  }
  torch::NoGradGuard no_grad;
  torch::Tensor x = returned.detach().to(originals.device(), originals.scalar_type());
  const torch::Tensor finite = x.isfinite().flatten(1).all(1);
  const torch::Tensor clipped = any_per_sample(x.lt(0) | x.gt(1)) & finite;
  // Rejected values are replaced by the original, so they classify and measure as "nothing".
  x = torch::where(sdk::expand_like(finite, x), x, originals).clamp(0.0, 1.0);
  const torch::Tensor unchanged = x.eq(originals).flatten(1).all(1);
  const torch::Tensor misclassified = model.forward(x).argmax(1).ne(labels);
  const torch::Tensor adversarial = misclassified & finite & unchanged.logical_not();
  const torch::Tensor measured = sdk::lp_norms(x - originals, norm);

  CheckedBatch checked;
  checked.images = x;
  checked.distances =
      torch::where(adversarial, measured, torch::full_like(measured, INFINITY)).cpu().to(torch::kDouble);
  CheckCounts& c = checked.counts;
  c.returned = originals.size(0);
  c.adversarial = count(adversarial);
  c.non_finite = count(finite.logical_not());
  c.unchanged = count(unchanged & finite);
  c.not_adversarial = c.returned - c.adversarial - c.non_finite - c.unchanged;
  c.clipped = count(clipped);
  if (epsilons.defined()) {
    // A relative slack absorbs float rounding in the attack's own projection.
    const torch::Tensor budget = epsilons.to(measured.device(), measured.scalar_type());
    c.over_budget = count(adversarial & measured.gt(budget * (1 + 1e-4) + 1e-6));
  }
  return checked;
}

}  // namespace neuroreg
