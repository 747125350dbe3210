// Pieces the gradient attacks share: the loss gradient, budgets, option
// checks and Adam's moment estimates.
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
  options.add_string("loss", "cross_entropy",
                     "loss to ascend: cross_entropy, or margin (largest other logit minus the "
                     "true one, as Carlini & Wagner)");
}

torch::Tensor budgets(const sdk::AttackRequest& request, const std::string& attack) {
  if (!request.epsilons.defined() || request.epsilons.numel() != request.images.size(0)) {
    throw std::invalid_argument(attack + ": a fixed-epsilon attack needs one epsilon per image");
  }
  return request.epsilons.to(request.images.options()).reshape({-1});
}

namespace {

std::string text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

void OptionReader::reject(const std::string& key, const std::string& rule,
                          const std::string& value) const {
  throw std::invalid_argument(attack_ + ": option '" + key + "' must be " + rule + ", got " +
                              value);
}

int64_t OptionReader::at_least(const std::string& key, int64_t minimum) const {
  const int64_t value = options_.get_int(key);
  if (value < minimum) reject(key, "at least " + std::to_string(minimum), std::to_string(value));
  return value;
}

double OptionReader::positive(const std::string& key) const {
  const double value = options_.get_float(key);
  if (!(value > 0) || !std::isfinite(value)) reject(key, "positive and finite", text(value));
  return value;
}

double OptionReader::non_negative(const std::string& key) const {
  const double value = options_.get_float(key);
  if (!(value >= 0) || !std::isfinite(value)) reject(key, "non-negative and finite", text(value));
  return value;
}

double OptionReader::in_range(const std::string& key, double low, bool low_included, double high,
                              bool high_included) const {
  const double value = options_.get_float(key);
  const bool above = low_included ? value >= low : value > low;
  const bool below = high_included ? value <= high : value < high;
  if (!(above && below)) {
    reject(key,
           "in " + std::string(low_included ? "[" : "(") + text(low) + ", " + text(high) +
               (high_included ? "]" : ")"),
           text(value));
  }
  return value;
}

Loss OptionReader::loss() const {
  const std::string& value = options_.get_string("loss");
  if (value == "cross_entropy") return Loss::kCrossEntropy;
  if (value == "margin") return Loss::kMargin;
  reject("loss", "\"cross_entropy\" or \"margin\"", "\"" + value + "\"");
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

}  // namespace neuroreg::gradient_attacks
