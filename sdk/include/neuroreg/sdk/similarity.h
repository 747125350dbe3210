// Similarity matching (Li et al. 2019, Eqs. 8-10), shared by every
// similarity regularizer: they differ only in where S_target comes from.
//
//   S_k   = centred cosine similarity of tap k's features over a batch (Eq. 9)
//   S_CNN = Σ_k γ_k S_k, γ = softmax(trainable logits), initially equal (Eq. 10)
//   L_sim = mean over pairs i≠j of [atanh(S_CNN) − atanh(S_target)]² (Eq. 8),
//           similarities clamped to [−1+ε, 1−ε] so atanh stays finite.
//
// γ often collapses onto an early layer (the paper's Table 1). With
// `drop_gamma_below` > 0 a tap whose γ falls under that threshold is dropped
// for the rest of training: γ is renormalised over the live taps and the
// similarity pass only runs the network up to the deepest live one.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

#include "neuroreg/sdk/backbone.h"
#include "neuroreg/sdk/options.h"
#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// Rows of x (N×…) flattened to N×D, centred by their mean over the batch and
/// scaled to unit norm (a zero row stays zero). E Eᵀ is then Eq. 9.
NEUROREG_SDK_API torch::Tensor centred_unit_rows(const torch::Tensor& x);

/// The N×N centred cosine similarity of Eq. 9.
NEUROREG_SDK_API torch::Tensor centred_cosine_similarity(const torch::Tensor& x);

/// Eq. 8 averaged over all pairs i≠j (the diagonal is 1 by construction).
NEUROREG_SDK_API torch::Tensor similarity_loss(const torch::Tensor& s_model,
                                               const torch::Tensor& s_target, double clamp_epsilon);

/// Declares the options every similarity regularizer shares: `taps`,
/// `train_gamma`, `clamp_epsilon`, `drop_gamma_below`.
NEUROREG_SDK_API void add_similarity_options(OptionList& options);

/// Taps, layer mixing γ and the loss, configured from add_similarity_options.
class NEUROREG_SDK_API SimilarityMatcher : public torch::nn::Module {
 public:
  SimilarityMatcher(const Backbone& model, const Options& options);

  /// Indices into model.taps() of the live taps, in the order the config
  /// lists them: the taps to compute features for.
  std::vector<int> tap_indices() const;

  /// γ = softmax over the live taps' logits, one weight per configured tap
  /// (0 for a dropped one).
  torch::Tensor gamma() const;

  /// S_CNN (Eq. 10) from the features of tap_indices(), in that order.
  torch::Tensor model_similarity(const std::vector<torch::Tensor>& features) const;

  /// L_sim (Eq. 8) of those features against an N×N target. Afterwards,
  /// taps whose γ fell below `drop_gamma_below` are dropped (never the last).
  torch::Tensor loss(const std::vector<torch::Tensor>& features, const torch::Tensor& target);

  /// {"gamma/<tap name>": γ_k} for logging, dropped taps included (γ = 0).
  std::map<std::string, double> gamma_by_tap() const;

 private:
  std::vector<bool> live_mask() const;
  void drop_collapsed_taps();

  std::vector<int> taps_;
  std::vector<std::string> tap_names_;
  torch::Tensor gamma_logits_;
  torch::Tensor live_;  // bool per tap; a buffer, so checkpoints keep it
  double clamp_epsilon_;
  double drop_below_;
};

}  // namespace neuroreg::sdk
