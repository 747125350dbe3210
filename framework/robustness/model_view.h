// The model as an attack may see it: a backbone behind exactly the access the
// attack declared (sdk::ModelAccess). A score view computes logits with
// autograd off and detached inputs, so no gradient can flow back; a decision
// view answers labels only. Calls outside the access throw std::logic_error.
#pragma once

#include <neuroreg/sdk/attack.h>
#include <neuroreg/sdk/backbone.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace neuroreg {

class BackboneView : public sdk::ModelView {
 public:
  /// The backbone must already be in eval mode on the images' device.
  BackboneView(sdk::Backbone& model, sdk::ModelAccess access) : model_(model), access_(access) {}

  sdk::ModelAccess access() const override { return access_; }
  torch::Tensor logits_with_grad(const torch::Tensor& images) override;
  torch::Tensor logits(const torch::Tensor& images) override;
  torch::Tensor labels(const torch::Tensor& images) override;

  /// Images the model was asked about, through any call.
  int64_t queries() const { return queries_; }

 private:
  void refuse(const char* call, const char* needs) const;
  sdk::Backbone& model_;
  sdk::ModelAccess access_;
  int64_t queries_ = 0;
};

/// Turns off gradients of a model's parameters while it lives, restoring
/// each flag after: an attack needs gradients for the images only, and
/// backward() would otherwise compute (and accumulate) every weight's too.
class FrozenParameters {
 public:
  explicit FrozenParameters(torch::nn::Module& model);
  ~FrozenParameters();
  FrozenParameters(const FrozenParameters&) = delete;
  FrozenParameters& operator=(const FrozenParameters&) = delete;

 private:
  std::vector<std::pair<torch::Tensor, bool>> saved_;
};

}  // namespace neuroreg
