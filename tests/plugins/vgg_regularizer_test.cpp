// The `vgg` control: S_target from conv3_1 of a frozen VGG19 loaded from a
// torchvision-layout state dict (random weights here, width_divisor 16).
#include <gtest/gtest.h>
#include <neuroreg/sdk.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <fstream>

#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

using sdk::ComponentKind;

std::map<std::string, sdk::OptionValue> vgg_options(const std::string& weights) {
  return {{"weights", weights}, {"width_divisor", int64_t{16}}};
}

// A random narrow VGG19 saved as torch::pickle_save saves a state dict.
std::string write_weights(const testing::TempDir& dir, const sdk::DatasetInfo& info) {
  const Registry& registry = testing::builtin_registry();
  torch::manual_seed(9);
  auto vgg = registry.make_backbone(
      "vgg19", registry.defaults(ComponentKind::kBackbone, "vgg19", vgg_options("")), {info});
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& item : vgg->named_parameters()) dict.insert(item.key(), item.value().detach());
  std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  const std::string path = dir.file("vgg19.pth");
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

struct Regularized {
  std::shared_ptr<sdk::Backbone> model;
  std::shared_ptr<sdk::Regularizer> regularizer;
};

Regularized make(const sdk::DatasetInfo& info, std::map<std::string, sdk::OptionValue> options) {
  const Registry& registry = testing::builtin_registry();
  torch::manual_seed(0);
  Regularized s;
  s.model = registry.make_backbone(
      "resnet18", registry.defaults(ComponentKind::kBackbone, "resnet18", {{"width", int64_t{2}}}),
      {info});
  options.emplace("taps", std::vector<std::string>{"1", "5"});
  options.emplace("vgg_width_divisor", int64_t{16});
  s.regularizer = registry.make_regularizer(
      "vgg", registry.defaults(ComponentKind::kRegularizer, "vgg", options),
      registry.regularizer_context(*s.model, info, 3));
  return s;
}

TEST(VggRegularizer, MatchesConv3_1SimilarityOfTheLoadedVggOnTheTaskBatch) {
  testing::TempDir dir;
  sdk::DatasetInfo info;
  const std::string weights = write_weights(dir, info);
  Regularized s = make(info, {{"weights", weights}});
  EXPECT_EQ(s.regularizer->task_taps(), (std::vector<int>{0, 4}));

  torch::manual_seed(1);
  torch::Tensor images = torch::rand({6, 1, 32, 32});
  torch::Tensor labels = torch::zeros({6}, torch::kLong);
  auto task = s.model->forward_taps(images, {0, 4}, true);
  torch::Tensor loss = s.regularizer->loss({*s.model, images, labels, task.features, 0});

  // By hand: the same weights in a vgg19 of our own, its conv3_1, Eq. 8-10.
  const Registry& registry = testing::builtin_registry();
  auto vgg = registry.make_backbone(
      "vgg19", registry.defaults(ComponentKind::kBackbone, "vgg19", vgg_options(weights)), {info});
  vgg->eval();
  torch::Tensor target = sdk::centred_cosine_similarity(
      vgg->forward_taps(images, {sdk::resolve_tap(*vgg, "conv3_1")}, false).features[0]);
  torch::Tensor mixed = 0.5 * sdk::centred_cosine_similarity(task.features[0]) +
                        0.5 * sdk::centred_cosine_similarity(task.features[1]);
  EXPECT_NEAR(loss.item<double>(), sdk::similarity_loss(mixed, target, 1e-3).item<double>(), 1e-5);
  // The target is not the pixels' similarity: VGG's features make a difference.
  torch::Tensor pixels = sdk::centred_cosine_similarity(images);
  EXPECT_GT((target - pixels).abs().max().item<double>(), 0.05);
}

TEST(VggRegularizer, DrawsItsBatchFromAStimulusSetWhenGivenOne) {
  testing::TempDir dir;
  sdk::DatasetInfo info;
  const std::string weights = write_weights(dir, info);
  torch::manual_seed(4);
  sdk::SimilarityTarget stimuli;
  stimuli.stimuli = torch::rand({10, 1, 36, 64});
  stimuli.embeddings = sdk::unit_embeddings(torch::randn({10, 5}));
  sdk::save_similarity_target(stimuli, dir.file("set"));

  Regularized s =
      make(info, {{"weights", weights}, {"stimuli", dir.file("set")}, {"batch_size", int64_t{4}}});
  EXPECT_TRUE(s.regularizer->task_taps().empty());  // its own batch
  torch::Tensor images = torch::rand({6, 1, 32, 32});
  torch::Tensor labels = torch::zeros({6}, torch::kLong);
  std::vector<torch::Tensor> none;
  torch::Tensor at0 = s.regularizer->loss({*s.model, images, labels, none, 0});
  torch::Tensor at1 = s.regularizer->loss({*s.model, images, labels, none, 1});
  EXPECT_TRUE(std::isfinite(at0.item<double>()));
  EXPECT_NE(at0.item<double>(), at1.item<double>());  // another step, other stimuli
  // Gradients reach the network, never VGG (it is not even a submodule).
  at0.backward();
  for (const auto& p : s.model->parameters()) {
    if (p.grad().defined() && p.grad().abs().sum().item<double>() > 0) return;
  }
  FAIL() << "no gradient reached the regularized network";
}

TEST(VggRegularizer, SaysWhereToGetTheWeightsWhenTheFileIsMissing) {
  sdk::DatasetInfo info;
  try {
    make(info, {{"weights", std::string("/no/vgg19-dcbb9e9d.pth")}});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "/no/vgg19-dcbb9e9d.pth: no such file; download torchvision's vgg19 weights "
              "(vgg19-dcbb9e9d.pth) and set option 'weights' to its path");
  }
}

TEST(VggRegularizer, RefusesToRunWithoutWeightsUnlessToldTheyAreRandom) {
  sdk::DatasetInfo info;
  const std::string expected =
      "vgg: set option 'weights' to torchvision's ImageNet vgg19 state dict "
      "(vgg19-dcbb9e9d.pth); only to time the control, leave it empty and set "
      "random_weights = true";
  for (const auto& options : std::vector<std::map<std::string, sdk::OptionValue>>{
           {}, {{"weights", std::string("w.pth")}, {"random_weights", true}}}) {
    try {
      make(info, options);
      FAIL();
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()), expected);
    }
  }
  EXPECT_NO_THROW(make(info, {{"random_weights", true}}));
}

}  // namespace
}  // namespace neuroreg
