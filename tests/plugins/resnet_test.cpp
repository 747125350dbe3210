// The ResNet backbones through the real plugin loader: shapes, tap numbering,
// tapped passes, normalisation and input checks. Width 4 keeps them fast.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>

#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

using sdk::Backbone;
using sdk::ComponentKind;

std::shared_ptr<Backbone> make_resnet(const std::string& name,
                                      std::map<std::string, sdk::OptionValue> overrides = {}) {
  const Registry& registry = testing::builtin_registry();
  overrides.emplace("width", int64_t{4});
  sdk::BackboneContext context;
  context.input = {1, 32, 32, 10, {}};
  auto model = registry.make_backbone(
      name, registry.defaults(ComponentKind::kBackbone, name, overrides), context);
  model->eval();  // BN uses running stats: passes are then comparable
  return model;
}

torch::Tensor images(int64_t n = 2) {
  torch::manual_seed(0);
  return torch::rand({n, 1, 32, 32});
}

TEST(Resnet18, ReturnsOneRowOfLogitsPerImage) {
  EXPECT_EQ(make_resnet("resnet18")->forward(images(3)).sizes(), (std::vector<int64_t>{3, 10}));
}

TEST(Resnet18, NumbersTapsAsThePaperCountsConvLayers) {
  auto model = make_resnet("resnet18");
  const auto& taps = model->taps();
  ASSERT_EQ(taps.size(), 17u);
  for (int i = 0; i < 17; ++i) {
    EXPECT_EQ(taps[i].layer, i + 1);
    EXPECT_EQ(taps[i].name, "conv" + std::to_string(i + 1));
  }
  const std::map<int, std::string> aliases = {
      {1, "stem"}, {5, "group1"}, {9, "group2"}, {13, "group3"}, {17, "group4"}};
  for (const auto& tap : taps) {
    auto it = aliases.find(tap.layer);
    EXPECT_EQ(tap.alias, it == aliases.end() ? "" : it->second) << tap.name;
  }
}

TEST(Resnet18, ResolvesATapByNumberNameAndAlias) {
  auto model = make_resnet("resnet18");
  for (const char* which : {"5", "layer5", "group1", "conv5"}) {
    EXPECT_EQ(sdk::resolve_tap(*model, which), 4) << which;
  }
}

TEST(Resnet18, ReturnsRequestedTapsInRequestOrderWithTheSameLogits) {
  auto model = make_resnet("resnet18");
  torch::NoGradGuard no_grad;
  torch::Tensor x = images();
  sdk::TappedForward out = model->forward_taps(x, {16, 4, 8}, /*with_logits=*/true);
  ASSERT_EQ(out.features.size(), 3u);
  EXPECT_EQ(out.features[0].sizes(), (std::vector<int64_t>{2, 32, 4, 4}));   // layer 17
  EXPECT_EQ(out.features[1].sizes(), (std::vector<int64_t>{2, 4, 32, 32}));  // layer 5
  EXPECT_EQ(out.features[2].sizes(), (std::vector<int64_t>{2, 8, 16, 16}));  // layer 9
  EXPECT_TRUE(out.logits.equal(model->forward(x)));
}

TEST(Resnet18, StoppingAfterTheDeepestTapGivesTheSameFeatures) {
  auto model = make_resnet("resnet18");
  torch::NoGradGuard no_grad;
  torch::Tensor x = images();
  sdk::TappedForward full = model->forward_taps(x, {5, 1, 4}, true);
  sdk::TappedForward early = model->forward_taps(x, {5, 1, 4}, false);
  EXPECT_FALSE(early.logits.defined());
  ASSERT_EQ(early.features.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(early.features[i].equal(full.features[i])) << i;
}

TEST(Resnet18, RunsNoLayerAfterTheDeepestTapWithoutLogits) {
  // In training mode BN updates its running mean only when it runs.
  auto model = make_resnet("resnet18");
  model->train();
  torch::NoGradGuard no_grad;
  model->forward_taps(images(), {3}, false);  // layer 4: the first conv of block 2
  auto ran = [&](const std::string& bn) {
    return model->named_buffers()[bn + ".running_mean"].abs().sum().item<float>() > 0;
  };
  EXPECT_TRUE(ran("layer1.1.bn1"));
  EXPECT_FALSE(ran("layer1.1.bn2"));
  EXPECT_FALSE(ran("layer2.0.bn1"));
}

TEST(Resnet18, RejectsATapIndexOutOfRange) {
  try {
    make_resnet("resnet18")->forward_taps(images(), {1, 17}, false);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "resnet18: tap index 17 is out of range [0, 17)");
  }
}

TEST(Resnet18, RejectsImagesWithTheWrongChannelCount) {
  try {
    make_resnet("resnet18")->forward(torch::rand({2, 3, 32, 32}));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "resnet18: expected float images N×1×H×W, "
                 "got shape [2, 3, 32, 32] of type Float");
  }
}

TEST(Resnet18, NormalisesItsInputInsideTheModel) {
  torch::manual_seed(1);
  auto inside = make_resnet("resnet18");
  torch::manual_seed(1);  // the same initial weights
  auto outside = make_resnet("resnet18", {{"input_mean", 0.0}, {"input_std", 1.0}});
  torch::NoGradGuard no_grad;
  torch::Tensor x = images();
  EXPECT_TRUE(inside->forward(x).allclose(outside->forward((x - 0.5) / 0.25), 1e-5, 1e-6));
  EXPECT_FALSE(inside->forward(x).allclose(outside->forward(x), 1e-3, 1e-3));
}

TEST(Resnet18, SavesAndLoadsEveryParameterAndBuffer) {
  auto trained = make_resnet("resnet18");
  trained->train();
  trained->forward(images(4));  // moves the BN running stats off their init
  trained->eval();
  EXPECT_TRUE(trained->named_parameters().contains("layer2.0.shortcut.0.weight"));

  std::stringstream stream;
  torch::serialize::OutputArchive out;
  trained->save(out);
  out.save_to(stream);
  auto loaded = make_resnet("resnet18");
  torch::serialize::InputArchive in;
  in.load_from(stream);
  loaded->load(in);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(loaded->forward(images()).equal(trained->forward(images())));
}

TEST(Resnet34, Has33TapsWithGroupsEndingAt7_15_27_33) {
  auto model = make_resnet("resnet34");
  ASSERT_EQ(model->taps().size(), 33u);
  EXPECT_EQ(sdk::resolve_tap(*model, "group1"), 6);
  EXPECT_EQ(sdk::resolve_tap(*model, "group2"), 14);
  EXPECT_EQ(sdk::resolve_tap(*model, "group3"), 26);
  EXPECT_EQ(sdk::resolve_tap(*model, "group4"), 32);
  EXPECT_EQ(model->taps()[32].name, "conv33");
  EXPECT_EQ(model->forward(images()).sizes(), (std::vector<int64_t>{2, 10}));
}

}  // namespace
}  // namespace neuroreg
