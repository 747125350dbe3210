// Helpers shared by the black-box attacks (declared in black_box.h).
#include <torch/torch.h>

#include "black_box.h"

namespace neuroreg::black_box {

torch::Tensor confirm_adversarial(sdk::ModelView& model, const torch::Tensor& originals,
                                  const torch::Tensor& points, const torch::Tensor& labels,
                                  const torch::Tensor& found) {
  torch::NoGradGuard no_grad;
  const torch::Tensor offset = points - originals;
  torch::Tensor push = torch::zeros({points.size(0)}, points.options());
  torch::Tensor failing;
  torch::Tensor candidates;
  for (int round = 0; round < 6; ++round) {  // pushes 0, 1e-6, …, 1e-2
    candidates = (originals + sdk::expand_like(1 + push, offset) * offset).clamp(0, 1);
    failing = model.labels(candidates).eq(labels) & found;
    if (!failing.any().item<bool>()) break;
    push = torch::where(failing, torch::where(push > 0, push * 10, push + 1e-6), push);
  }
  return torch::where(sdk::expand_like(failing | found.logical_not(), originals), originals,
                      candidates);
}

torch::Tensor search_from_adversarial_noise(sdk::ModelView& model,
                                            const sdk::AttackRequest& request,
                                            const DecisionSearch& search) {
  torch::NoGradGuard no_grad;
  const sdk::StartingPoints start = sdk::adversarial_noise(model, request.images, request.labels);
  torch::Tensor result = request.images.clone();
  const torch::Tensor found = start.found.nonzero().flatten();
  if (found.numel() == 0) return result;
  // From here on only the samples with a starting point take part.
  result.index_copy_(
      0, found,
      search(request.images.index_select(0, found), request.labels.index_select(0, found),
             start.images.index_select(0, found)));
  return confirm_adversarial(model, request.images, result, request.labels, start.found);
}

}  // namespace neuroreg::black_box
