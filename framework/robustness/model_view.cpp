#include "robustness/model_view.h"

#include <torch/torch.h>

#include <stdexcept>
#include <string>

namespace neuroreg {

void BackboneView::refuse(const char* call, const char* needs) const {
  throw std::logic_error(std::string("ModelView::") + call + " needs " + needs +
                         " access, but this attack declared '" + sdk::to_string(access_) +
                         "' access");
}

torch::Tensor BackboneView::logits_with_grad(const torch::Tensor& images) {
  if (access_ != sdk::ModelAccess::kGradients) refuse("logits_with_grad", "'gradients'");
  queries_ += images.size(0);
  torch::AutoGradMode enable(true);
  return model_.forward(images);
}

torch::Tensor BackboneView::logits(const torch::Tensor& images) {
  if (access_ == sdk::ModelAccess::kDecisions) refuse("logits", "'scores' or 'gradients'");
  queries_ += images.size(0);
  torch::NoGradGuard no_grad;
  return model_.forward(images.detach());
}

torch::Tensor BackboneView::labels(const torch::Tensor& images) {
  queries_ += images.size(0);
  torch::NoGradGuard no_grad;
  return model_.forward(images.detach()).argmax(1);
}

FrozenParameters::FrozenParameters(torch::nn::Module& model) {
  for (torch::Tensor& p : model.parameters()) {
    saved_.push_back({p, p.requires_grad()});
    p.requires_grad_(false);
  }
}

FrozenParameters::~FrozenParameters() {
  for (auto& [p, flag] : saved_) p.requires_grad_(flag);
}

}  // namespace neuroreg
