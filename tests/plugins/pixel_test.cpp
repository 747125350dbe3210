// `pixel`: the target is the centred cosine similarity of a batch's pixels —
// of the task batch, or of the batch before augmentation when asked.
#include <gtest/gtest.h>
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

using sdk::ComponentKind;

struct Pixel {
  std::shared_ptr<sdk::Backbone> model;
  std::shared_ptr<sdk::Regularizer> regularizer;
};

Pixel make(bool unaugmented) {
  const Registry& registry = testing::builtin_registry();
  sdk::DatasetInfo info;
  torch::manual_seed(0);
  Pixel p;
  p.model = registry.make_backbone(
      "resnet18", registry.defaults(ComponentKind::kBackbone, "resnet18", {{"width", int64_t{2}}}),
      {info});
  p.model->eval();  // batch norm statistics of the batch alone: passes compare
  p.regularizer = registry.make_regularizer(
      "pixel",
      registry.defaults(ComponentKind::kRegularizer, "pixel",
                        {{"taps", std::vector<std::string>{"5"}}, {"unaugmented", unaugmented}}),
      registry.regularizer_context(*p.model, info, 0));
  return p;
}

// Eq. 8 with one tap: the model's similarity on `seen` against `target`'s pixels.
double by_hand(Pixel& p, const torch::Tensor& seen, const torch::Tensor& target) {
  auto f = p.model->forward_taps(seen, {4}, false).features[0];
  return sdk::similarity_loss(sdk::centred_cosine_similarity(f),
                              sdk::centred_cosine_similarity(target), 1e-3)
      .item<double>();
}

TEST(PixelRegularizer, MatchesTheUnaugmentedBatchWhenAskedAndTheTaskBatchOtherwise) {
  torch::manual_seed(1);
  const torch::Tensor clean = torch::rand({6, 1, 32, 32});
  const torch::Tensor augmented = clean.flip({3});
  const torch::Tensor labels = torch::zeros({6}, torch::kLong);
  for (bool unaugmented : {false, true}) {
    SCOPED_TRACE(unaugmented);
    Pixel p = make(unaugmented);
    auto task = p.model->forward_taps(augmented, p.regularizer->task_taps(), true);
    sdk::RegularizerInput input{*p.model, augmented, labels, task.features, 0, clean};
    const double loss = p.regularizer->loss(input).item<double>();
    const double expected =
        unaugmented ? by_hand(p, clean, clean) : by_hand(p, augmented, augmented);
    EXPECT_NEAR(loss, expected, 1e-5);
  }
  // And the two differ, so the option does something.
  Pixel task = make(false);
  EXPECT_GT(std::abs(by_hand(task, clean, clean) - by_hand(task, augmented, clean)), 1e-4);
}

}  // namespace
}  // namespace neuroreg
