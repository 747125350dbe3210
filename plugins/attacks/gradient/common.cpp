// Pieces the gradient attacks share: the loss gradient, budgets, the loss
// option, Adam's moment estimates and the frame of the L2 minimisations.
#include <torch/torch.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "gradient_attacks.h"

namespace neuroreg::gradient_attacks {

LossGradient loss_gradient(sdk::ModelView& model, const torch::Tensor& images,
                           const torch::Tensor& labels, Loss loss) {
  // The host may evaluate under a NoGradGuard; the attack needs its graph anyway.
  torch::AutoGradMode grad_on(true);
  const torch::Tensor x = images.detach().requires_grad_(true);
  const torch::Tensor logits = model.logits_with_grad(x);
  // Summed, not averaged: each sample's gradient is then its own loss's gradient.
  const torch::Tensor total =
      loss == Loss::kMargin
          ? -sdk::margin(logits, labels).sum()
          : torch::nn::functional::cross_entropy(
                logits, labels,
                torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
  return {logits.detach(), torch::autograd::grad({total}, {x})[0]};
}

void add_loss_option(sdk::OptionList& options) {
  options
      .add_string("loss", "cross_entropy",
                  "loss to ascend: cross_entropy, or margin (largest other logit minus the "
                  "true one, as Carlini & Wagner)")
      .one_of({"cross_entropy", "margin"});
}

torch::Tensor budgets(const sdk::AttackRequest& request, const std::string& attack) {
  if (!request.epsilons.defined() || request.epsilons.numel() != request.images.size(0)) {
    throw std::invalid_argument(attack + ": a fixed-epsilon attack needs one epsilon per image");
  }
  return request.epsilons.to(request.images.options()).reshape({-1});
}

Loss read_loss(const sdk::Options& options) {
  return options.get_string("loss") == "margin" ? Loss::kMargin : Loss::kCrossEntropy;
}

torch::Tensor Adam::direction(const torch::Tensor& gradient, const torch::Tensor& rows) {
  const bool subset = rows.defined();
  torch::Tensor m_rows = subset ? m.index_select(0, rows) : m;
  torch::Tensor v_rows = subset ? v.index_select(0, rows) : v;
  m_rows = beta1 * m_rows + (1 - beta1) * gradient;
  v_rows = beta2 * v_rows + (1 - beta2) * gradient.square();
  if (subset) {
    m.index_copy_(0, rows, m_rows);
    v.index_copy_(0, rows, v_rows);
  } else {
    m = m_rows;
    v = v_rows;
  }
  const double t_now = static_cast<double>(t);
  const torch::Tensor m_hat = m_rows / (1 - std::pow(beta1, t_now));
  const torch::Tensor v_hat = v_rows / (1 - std::pow(beta2, t_now));
  return m_hat / (v_hat.sqrt() + epsilon);
}

sdk::AttackTraits L2Minimization::traits() const {
  return {sdk::Norm::kL2, sdk::AttackKind::kMinimization, sdk::ModelAccess::kGradients, false};
}

torch::Tensor L2Minimization::run(sdk::ModelView& model, const sdk::AttackRequest& request) {
  const torch::Tensor x = request.images.detach();
  return minimize(model, x, request.labels.to(x.device()));
}

SmallestAdversarial::SmallestAdversarial(const torch::Tensor& initial)
    : points_(initial), norms_(torch::full({initial.size(0)}, INFINITY, initial.options())) {}

void SmallestAdversarial::keep(const torch::Tensor& candidates, const torch::Tensor& norms,
                               const torch::Tensor& adversarial, const torch::Tensor& rows) {
  const bool subset = rows.defined();
  const torch::Tensor norms_rows = subset ? norms_.index_select(0, rows) : norms_;
  const torch::Tensor points_rows = subset ? points_.index_select(0, rows) : points_;
  const torch::Tensor better = adversarial & (norms < norms_rows);
  const torch::Tensor kept_norms = torch::where(better, norms, norms_rows);
  const torch::Tensor kept_points =
      torch::where(sdk::expand_like(better, candidates), candidates, points_rows);
  if (subset) {
    norms_.index_put_({rows}, kept_norms);
    points_.index_copy_(0, rows, kept_points);
  } else {
    norms_ = kept_norms;
    points_ = kept_points;
  }
}

}  // namespace neuroreg::gradient_attacks
