// Decoupled Direction and Norm (Rony et al. 2019, "Decoupling Direction and
// Norm for Efficient Gradient-Based L2 Adversarial Attacks and Defenses").
// The direction follows the normalised cross-entropy gradient with a step α
// cosine-annealed from 1 to 0.01; the norm is decoupled from it: each step the
// perturbation is rescaled to a per-sample ε that shrinks by (1 - γ) while the
// current point is adversarial and grows by (1 + γ) while it is not. The result
// is the smallest adversarial seen per sample, else the original image.
//
// Defaults: init_epsilon 1.0 and gamma 0.05 are the paper's and Foolbox 3's.
// steps is 100, the paper's budget for MNIST and CIFAR-10, not Foolbox 3's
// 10: the norm only moves by a factor 1 ± γ per step, so 10 steps cannot take
// ε from 1.0 below 0.95^10 ≈ 0.6, far above typical minimal L2 distances.
// α anneals as in the paper (α_i = 0.01 + 0.99 (1 + cos(π i / steps)) / 2);
// Foolbox 3 feeds the previous α back into that formula, which decays faster.
// loss = "margin" (not in the paper) follows Carlini & Wagner's margin instead
// of the cross-entropy; see gradient_attacks.h.
#include <torch/torch.h>

#include <cmath>

#include "gradient_attacks.h"

namespace neuroreg::gradient_attacks {
namespace {

using sdk::Norm;

class DecoupledDirectionNorm : public L2Minimization {
 public:
  explicit DecoupledDirectionNorm(const sdk::Options& options) {
    init_epsilon_ = options.get_float("init_epsilon");
    steps_ = options.get_int("steps");
    gamma_ = options.get_float("gamma");
    loss_ = read_loss(options);
  }

 protected:
  torch::Tensor minimize(sdk::ModelView& model, const torch::Tensor& x,
                         const torch::Tensor& labels) override {
    const int64_t n = x.size(0);
    // No perturbation inside the box is longer than the distance to the far corner.
    const torch::Tensor worst_norm = sdk::lp_norms(torch::max(x, 1 - x), Norm::kL2);
    torch::Tensor epsilon = torch::full({n}, init_epsilon_, x.options());
    torch::Tensor delta = torch::zeros_like(x);
    SmallestAdversarial best(torch::zeros_like(x));  // of the perturbations

    for (int64_t i = 0; i < steps_; ++i) {
      const double alpha = 0.01 + 0.99 * (1 + std::cos(M_PI * static_cast<double>(i) / steps_)) / 2;
      const LossGradient lg = loss_gradient(model, x + delta, labels, loss_);
      const torch::Tensor adversarial = lg.logits.argmax(1).ne(labels);
      best.keep(delta, sdk::lp_norms(delta, Norm::kL2), adversarial);

      // A zero gradient gives no direction: take a random one instead (as the paper's code).
      const torch::Tensor flat = sdk::lp_norms(lg.gradient, Norm::kL2).eq(0);
      const torch::Tensor gradient =
          torch::where(sdk::expand_like(flat, x), torch::randn_like(x), lg.gradient);
      delta = delta + alpha * sdk::normalized(gradient, Norm::kL2);

      epsilon = torch::where(adversarial, epsilon * (1 - gamma_), epsilon * (1 + gamma_));
      epsilon = torch::minimum(epsilon, worst_norm);
      // Decoupled norm: keep the direction, set the length to ε, stay in the box.
      delta = sdk::expand_like(epsilon, delta) * sdk::normalized(delta, Norm::kL2);
      delta = (x + delta).clamp(0, 1) - x;
    }
    // The final point was never checked: one label query.
    best.keep(delta, sdk::lp_norms(delta, Norm::kL2), model.labels(x + delta).ne(labels));
    return x + best.points();
  }

 private:
  double init_epsilon_ = 1.0;
  int64_t steps_ = 100;
  double gamma_ = 0.05;
  Loss loss_ = Loss::kCrossEntropy;
};

}  // namespace

void register_ddn(sdk::Registrar& registrar) {
  sdk::OptionList options;
  options.add_float("init_epsilon", 1.0, "initial L2 norm of the perturbation")
      .above(0)
      .add_int("steps", 100, "gradient steps")
      .at_least(1)
      .add_float("gamma", 0.05, "per-step factor by which the norm shrinks or grows")
      .above(0)
      .below(1);
  add_loss_option(options);
  registrar.add_attack(
      {"ddn", "decoupled direction and norm L2 minimisation (Rony et al. 2019)", options.specs()},
      [](const sdk::Options& o) { return std::make_shared<DecoupledDirectionNorm>(o); });
}

}  // namespace neuroreg::gradient_attacks
