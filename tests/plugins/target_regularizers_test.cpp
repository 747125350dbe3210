#include <gtest/gtest.h>
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

using sdk::ComponentKind;

// A target of 12 random stimuli with embeddings from random "responses".
std::string write_target(const testing::TempDir& dir) {
  torch::manual_seed(2);
  sdk::SimilarityTarget t;
  t.stimuli = torch::rand({12, 1, 16, 16});
  t.embeddings = sdk::unit_embeddings(torch::randn({12, 30}));
  t.provenance = "test";
  sdk::save_similarity_target(t, dir.file("target"));
  return dir.file("target");
}

struct Regularized {
  std::shared_ptr<sdk::Backbone> model;
  std::shared_ptr<sdk::Regularizer> regularizer;
};

Regularized make(const std::string& name, const std::string& target,
                 const std::string& stimuli = "once") {
  const Registry& registry = testing::builtin_registry();
  sdk::DatasetInfo info;
  torch::manual_seed(0);
  Regularized s;
  s.model = registry.make_backbone(
      "resnet18", registry.defaults(ComponentKind::kBackbone, "resnet18", {{"width", int64_t{2}}}),
      {info});
  s.regularizer = registry.make_regularizer(
      name,
      registry.defaults(
          ComponentKind::kRegularizer, name,
          {{"target", target}, {"taps", std::vector<std::string>{"1", "5"}}, {"stimuli", stimuli}}),
      {*s.model, info, 11});
  return s;
}

torch::Tensor loss_at_step(Regularized& s, int64_t step) {
  torch::Tensor images = torch::rand({8, 1, 32, 32});
  torch::Tensor labels = torch::zeros({8}, torch::kLong);
  std::vector<torch::Tensor> none;
  return s.regularizer->loss({*s.model, images, labels, none, step});
}

TEST(TargetRegularizers, NeuralModelMatchesTheTargetOnAStimulusBatch) {
  testing::TempDir dir;
  const std::string target = write_target(dir);
  Regularized s = make("neural_model", target);
  EXPECT_TRUE(s.regularizer->task_taps().empty());  // it brings its own batch

  // The same loss by hand: the step's stimuli, the taps, the target block.
  sdk::SimilarityTarget t = sdk::load_similarity_target(target);
  sdk::StimulusBatches batches(t.stimuli, sdk::DatasetInfo{}, 11);
  torch::Tensor idx = batches.indices(5, 8);
  auto forward = s.model->forward_taps(batches.images(idx, torch::kCPU), {0, 4}, false);
  torch::Tensor mixed = 0.5 * sdk::centred_cosine_similarity(forward.features[0]) +
                        0.5 * sdk::centred_cosine_similarity(forward.features[1]);
  torch::Tensor expected = sdk::similarity_loss(mixed, t.similarity(idx), 1e-3);
  torch::Tensor loss = loss_at_step(s, 5);
  EXPECT_NEAR(loss.item<double>(), expected.item<double>(), 1e-5);
  EXPECT_GT(loss.item<double>(), 0.0);
  EXPECT_EQ(s.regularizer->diagnostics().size(), 2u);
}

TEST(TargetRegularizers, ShuffleDiffersFromTheUnshuffledTarget) {
  testing::TempDir dir;
  const std::string target = write_target(dir);
  Regularized plain = make("matrix", target);
  Regularized shuffled = make("shuffle", target);
  EXPECT_NE(loss_at_step(plain, 0).item<double>(), loss_at_step(shuffled, 0).item<double>());
}

TEST(TargetRegularizers, MatchOnlyTheRowsOfTheirTier) {
  testing::TempDir dir;
  torch::manual_seed(2);
  sdk::SimilarityTarget t;
  t.stimuli = torch::rand({16, 1, 16, 16});
  t.embeddings = sdk::unit_embeddings(torch::randn({16, 30}));
  t.tiers.assign(8, "once");
  t.tiers.resize(16, "oracle");
  sdk::save_similarity_target(t, dir.file("tiered"));
  // The oracle rows alone, as a target of their own.
  sdk::save_similarity_target(t.subset("oracle"), dir.file("oracle_only"));
  Regularized tiered = make("neural_data", dir.file("tiered"), "oracle");
  Regularized alone = make("neural_data", dir.file("oracle_only"), "all");
  for (int64_t step : {0, 3}) {
    EXPECT_TRUE(torch::allclose(loss_at_step(tiered, step), loss_at_step(alone, step)))
        << "step " << step;
  }
  // A target of once rows only (as written before targets carried tiers).
  try {
    make("neural_data", write_target(dir), "oracle");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("the target has 0 \"oracle\" rows"), std::string::npos)
        << e.what();
  }
}

TEST(TargetRegularizers, AMissingTargetIsNamed) {
  const Registry& registry = testing::builtin_registry();
  sdk::DatasetInfo info;
  auto model = registry.make_backbone(
      "resnet18", registry.defaults(ComponentKind::kBackbone, "resnet18", {{"width", int64_t{2}}}),
      {info});
  try {
    registry.make_regularizer("neural_data",
                              registry.defaults(ComponentKind::kRegularizer, "neural_data",
                                                {{"target", std::string("/no/target")}}),
                              {*model, info, 0});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/no/target: no such similarity target folder", 0), 0u);
  }
}

}  // namespace
}  // namespace neuroreg
