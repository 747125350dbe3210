#include "neuroreg/sdk/similarity.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace neuroreg::sdk {
namespace {

// G = X Xᵀ with a backward that uses the symmetry: dX = (dG + dGᵀ) X is one
// matrix product where autograd's generic rule for X·Xᵀ runs two. The
// product over the features is the similarity's only cost that grows with
// them, so this takes a third off it.
struct Gram : public torch::autograd::Function<Gram> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& rows) {
    ctx->save_for_backward({rows});
    return rows.matmul(rows.t());
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const torch::Tensor rows = ctx->get_saved_variables()[0];
    const torch::Tensor& g = grads[0];
    return {(g + g.t()).matmul(rows)};
  }
};

}  // namespace

torch::Tensor centred_unit_rows(const torch::Tensor& x) {
  if (x.dim() < 1 || x.size(0) < 2) {
    throw std::invalid_argument("similarity needs a batch of at least 2 images");
  }
  torch::Tensor rows = x.reshape({x.size(0), -1});
  rows = rows - rows.mean(0, /*keepdim=*/true);
  // The floor keeps a zero row (an image equal to the batch mean) at zero
  // instead of dividing by zero.
  return rows / rows.norm(2, 1, /*keepdim=*/true).clamp_min(1e-12);
}

torch::Tensor centred_cosine_similarity(const torch::Tensor& x) {
  if (x.dim() < 1 || x.size(0) < 2) {
    throw std::invalid_argument("similarity needs a batch of at least 2 images");
  }
  // Centring and normalising in the N×N Gram space instead of on the N×D
  // features: (F − 1m̄ᵀ)(F − 1m̄ᵀ)ᵀ = H F Fᵀ H with H = I − 11ᵀ/N. The only
  // pass over the features is one matrix product (and one more backwards),
  // where centring the features first would cost several elementwise passes.
  const torch::Tensor rows = x.reshape({x.size(0), -1});
  const torch::Tensor gram = Gram::apply(rows);
  const torch::Tensor row_mean = gram.mean(1, /*keepdim=*/true);
  const torch::Tensor centred = gram - row_mean - row_mean.t() + gram.mean();
  const torch::Tensor norms = centred.diagonal().clamp_min(0).sqrt();
  // An image equal to the batch mean has no direction: its similarities are
  // zero, not rounding noise divided by a tiny norm.
  const torch::Tensor valid = (norms > 1e-6 * norms.max()).to(x.scalar_type());
  const torch::Tensor inverse = valid / norms.clamp_min(1e-30);
  return centred * inverse.unsqueeze(1) * inverse.unsqueeze(0);
}

torch::Tensor similarity_loss(const torch::Tensor& s_model, const torch::Tensor& s_target,
                              double clamp_epsilon) {
  if (s_model.sizes() != s_target.sizes() || s_model.dim() != 2 ||
      s_model.size(0) != s_model.size(1)) {
    throw std::invalid_argument("similarity_loss needs two N×N matrices of the same size");
  }
  const int64_t n = s_model.size(0);
  const double bound = 1.0 - clamp_epsilon;
  torch::Tensor diff = torch::atanh(s_model.clamp(-bound, bound)) -
                       torch::atanh(s_target.to(s_model.dtype()).clamp(-bound, bound));
  torch::Tensor off_diagonal = 1.0 - torch::eye(n, s_model.options());
  return (diff.square() * off_diagonal).sum() / static_cast<double>(n * (n - 1));
}

void add_similarity_options(OptionList& options) {
  options
      .add_string_list("taps", {"stem", "group1", "group2", "group3", "group4"},
                       "feature taps to match, by name, alias or conv layer number (Eq. 10); "
                       "default: the stem and each group's end (ResNet18 layers 1, 5, 9, 13, "
                       "17 as in the paper; ResNet34 1, 7, 15, 27, 33)")
      .non_empty()
      .add_bool("train_gamma", true,
                "learn the layer mixing γ (softmax, initially equal); false keeps it equal")
      .add_float("clamp_epsilon", 1e-3,
                 "similarities are clamped to [-1+ε, 1-ε] before atanh (Eq. 8)")
      .above(0)
      .below(1)
      .add_float("drop_gamma_below", 0.0,
                 "drop a tap for good once its γ falls below this, so the pass stops at the "
                 "deepest live tap; 0 keeps every tap")
      .at_least(0)
      .below(1);
}

SimilarityMatcher::SimilarityMatcher(const Backbone& model, const Options& options)
    : clamp_epsilon_(options.get_float("clamp_epsilon")),
      drop_below_(options.get_float("drop_gamma_below")) {
  for (const std::string& which : options.get_string_list("taps")) {
    int index = resolve_tap(model, which);
    for (int seen : taps_) {
      if (seen == index) throw std::invalid_argument("tap '" + which + "' is listed twice");
    }
    taps_.push_back(index);
    tap_names_.push_back(model.taps()[index].name);
  }
  if (taps_.empty()) throw std::invalid_argument("'taps' must name at least one tap");
  if (!(drop_below_ >= 0.0 && drop_below_ < 1.0 / static_cast<double>(taps_.size()))) {
    throw std::invalid_argument("'drop_gamma_below' must lie in [0, 1/taps) = [0, " +
                                std::to_string(1.0 / static_cast<double>(taps_.size())) +
                                "), or every tap would be dropped at the start; got " +
                                std::to_string(drop_below_));
  }
  const int64_t k = static_cast<int64_t>(taps_.size());
  gamma_logits_ = register_parameter("gamma_logits", torch::zeros({k}),
                                     /*requires_grad=*/options.get_bool("train_gamma"));
  live_ = register_buffer("live_taps", torch::ones({k}, torch::kBool));
}

std::vector<bool> SimilarityMatcher::live_mask() const {
  const torch::Tensor live = live_.cpu().contiguous();
  return std::vector<bool>(live.data_ptr<bool>(), live.data_ptr<bool>() + live.numel());
}

std::vector<int> SimilarityMatcher::tap_indices() const {
  const std::vector<bool> live = live_mask();
  std::vector<int> out;
  for (size_t k = 0; k < taps_.size(); ++k) {
    if (live[k]) out.push_back(taps_[k]);
  }
  return out;
}

torch::Tensor SimilarityMatcher::gamma() const {
  // −inf logits give dropped taps γ = 0 and no gradient.
  return torch::softmax(gamma_logits_.masked_fill(live_.logical_not(), -INFINITY), 0);
}

torch::Tensor SimilarityMatcher::model_similarity(
    const std::vector<torch::Tensor>& features) const {
  const std::vector<bool> live = live_mask();
  const auto live_count = std::count(live.begin(), live.end(), true);
  if (static_cast<int64_t>(features.size()) != live_count) {
    throw std::invalid_argument("SimilarityMatcher got " + std::to_string(features.size()) +
                                " feature maps for " + std::to_string(live_count) + " live taps");
  }
  torch::Tensor weights = gamma().to(features.front().device());
  torch::Tensor mixed;
  size_t f = 0;
  for (size_t k = 0; k < live.size(); ++k) {
    if (!live[k]) continue;
    torch::Tensor term =
        weights[static_cast<int64_t>(k)] * centred_cosine_similarity(features[f++]);
    mixed = mixed.defined() ? mixed + term : term;
  }
  return mixed;
}

torch::Tensor SimilarityMatcher::loss(const std::vector<torch::Tensor>& features,
                                      const torch::Tensor& target) {
  torch::Tensor out = similarity_loss(model_similarity(features), target, clamp_epsilon_);
  if (drop_below_ > 0.0) drop_collapsed_taps();
  return out;
}

void SimilarityMatcher::drop_collapsed_taps() {
  torch::NoGradGuard no_grad;
  const torch::Tensor g = gamma().cpu().contiguous();
  const float* gamma_k = g.data_ptr<float>();
  // The tap with the largest γ always stays: something must be matched.
  const int64_t keep = g.argmax().item<int64_t>();
  std::vector<bool> live = live_mask();
  bool changed = false;
  for (size_t k = 0; k < live.size(); ++k) {
    if (static_cast<int64_t>(k) != keep && live[k] && gamma_k[k] < drop_below_) {
      live[k] = false;
      changed = true;
    }
  }
  if (!changed) return;
  torch::Tensor mask = torch::empty({static_cast<int64_t>(live.size())}, torch::kBool);
  for (size_t k = 0; k < live.size(); ++k)
    mask[static_cast<int64_t>(k)] = static_cast<bool>(live[k]);
  live_.copy_(mask.to(live_.device()));
}

std::map<std::string, double> SimilarityMatcher::gamma_by_tap() const {
  torch::Tensor g = gamma().detach().cpu();
  std::map<std::string, double> out;
  for (size_t k = 0; k < tap_names_.size(); ++k) {
    out["gamma/" + tap_names_[k]] = g[static_cast<int64_t>(k)].item<double>();
  }
  return out;
}

}  // namespace neuroreg::sdk
