#include "neuroreg/sdk/similarity.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "support/builtin_plugins.h"

namespace neuroreg::sdk {
namespace {

TEST(Similarity, CentredCosineMatchesHandComputedValues) {
  // Rows (1,0), (0,1), (-1,0); their mean is (0, 1/3). Centred: (1,-1/3),
  // (0,2/3), (-1,-1/3), so S01 = S12 = -1/√10 and S02 = -0.8.
  torch::Tensor x = torch::tensor({{1.0, 0.0}, {0.0, 1.0}, {-1.0, 0.0}}, torch::kDouble);
  torch::Tensor s = centred_cosine_similarity(x);
  const double a = -1.0 / std::sqrt(10.0);
  torch::Tensor expected =
      torch::tensor({{1.0, a, -0.8}, {a, 1.0, a}, {-0.8, a, 1.0}}, torch::kDouble);
  EXPECT_TRUE(torch::allclose(s, expected, 1e-12, 1e-12)) << s;
}

TEST(Similarity, IgnoresAnOffsetCommonToAllImages) {
  torch::Tensor x = torch::rand({5, 3, 4, 4}, torch::kDouble);
  EXPECT_TRUE(torch::allclose(centred_cosine_similarity(x), centred_cosine_similarity(x + 7.0)));
}

TEST(Similarity, LossMatchesHandComputedValue) {
  torch::Tensor x = torch::tensor({{1.0, 0.0}, {0.0, 1.0}, {-1.0, 0.0}}, torch::kDouble);
  torch::Tensor target = torch::eye(3, torch::kDouble) * 0.0 + 0.5;
  // Mean over the 6 ordered off-diagonal pairs of [atanh(S) − atanh(0.5)]².
  const double a = std::atanh(-1.0 / std::sqrt(10.0)) - std::atanh(0.5);
  const double b = std::atanh(-0.8) - std::atanh(0.5);
  const double expected = (4 * a * a + 2 * b * b) / 6.0;
  double loss = similarity_loss(centred_cosine_similarity(x), target, 1e-3).item<double>();
  EXPECT_NEAR(loss, expected, 1e-12);
}

TEST(Similarity, LossIsZeroForAPerfectMatchAndClampsAtOne) {
  torch::Tensor x = torch::randn({6, 10}, torch::kDouble);
  torch::Tensor s = centred_cosine_similarity(x);
  EXPECT_NEAR(similarity_loss(s, s, 1e-3).item<double>(), 0.0, 1e-20);
  torch::Tensor ones = torch::ones({2, 2}, torch::kDouble);
  torch::Tensor minus = -ones;
  const double bound = std::atanh(1 - 1e-2);
  // Off-diagonal 1 vs −1, clamped to ±(1−ε): [2·atanh(1−ε)]².
  EXPECT_NEAR(similarity_loss(ones, minus, 1e-2).item<double>(), 4 * bound * bound, 1e-9);
}

TEST(Similarity, LossGradientMatchesFiniteDifferences) {
  torch::manual_seed(3);
  torch::Tensor x = torch::randn({4, 5}, torch::kDouble).requires_grad_(true);
  torch::Tensor target = centred_cosine_similarity(torch::randn({4, 7}, torch::kDouble));
  auto loss_of = [&](const torch::Tensor& input) {
    return similarity_loss(centred_cosine_similarity(input), target, 1e-3);
  };
  loss_of(x).backward();
  torch::Tensor analytic = x.grad();
  torch::Tensor numeric = torch::zeros_like(x);
  const double h = 1e-6;
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < x.numel(); ++i) {
    torch::Tensor plus = x.detach().clone();
    torch::Tensor minus = x.detach().clone();
    plus.view(-1)[i] += h;
    minus.view(-1)[i] -= h;
    numeric.view(-1)[i] = (loss_of(plus) - loss_of(minus)) / (2 * h);
  }
  EXPECT_TRUE(torch::allclose(analytic, numeric, 1e-5, 1e-7)) << "analytic\n"
                                                              << analytic << "\nnumeric\n"
                                                              << numeric;
}

TEST(Similarity, AnImageEqualToTheBatchMeanHasZeroSimilarity) {
  torch::Tensor x = torch::tensor({{1.0f, 2.0f}, {-1.0f, -2.0f}, {0.0f, 0.0f}});
  torch::Tensor s = centred_cosine_similarity(x);
  EXPECT_FLOAT_EQ(s[0][1].item<float>(), -1.0f);
  EXPECT_EQ(s[2][0].item<float>(), 0.0f);
  EXPECT_EQ(s[1][2].item<float>(), 0.0f);
  EXPECT_TRUE(torch::isfinite(s).all().item<bool>());
}

TEST(Similarity, RefusesASingleImage) {
  EXPECT_THROW(centred_cosine_similarity(torch::ones({1, 4})), std::invalid_argument);
}

std::shared_ptr<Backbone> tiny_resnet() {
  const auto& registry = neuroreg::testing::builtin_registry();
  return registry.make_backbone(
      "resnet18", registry.defaults(ComponentKind::kBackbone, "resnet18", {{"width", int64_t{2}}}),
      {DatasetInfo{}});
}

// The shared similarity options at their defaults.
Options similarity_options() {
  OptionList list;
  add_similarity_options(list);
  Options options;
  for (const OptionSpec& spec : list.specs()) options.set(spec.name, *spec.default_value);
  return options;
}

TEST(SimilarityMatcher, StartsWithEqualGammaAndMixesLayers) {
  auto model = tiny_resnet();
  Options options = similarity_options();
  options.set("taps", std::vector<std::string>{"stem", "5"});
  SimilarityMatcher matcher(*model, options);
  EXPECT_EQ(matcher.tap_indices(), (std::vector<int>{0, 4}));
  EXPECT_TRUE(torch::allclose(matcher.gamma(), torch::full({2}, 0.5)));
  auto gamma = matcher.gamma_by_tap();
  EXPECT_DOUBLE_EQ(gamma.at("gamma/conv1"), 0.5);
  EXPECT_DOUBLE_EQ(gamma.at("gamma/conv5"), 0.5);
  torch::Tensor f1 = torch::randn({4, 3});
  torch::Tensor f2 = torch::randn({4, 6});
  torch::Tensor mixed = matcher.model_similarity({f1, f2});
  EXPECT_TRUE(torch::allclose(
      mixed, 0.5 * centred_cosine_similarity(f1) + 0.5 * centred_cosine_similarity(f2)));
  options.set("taps", std::vector<std::string>{"stem", "conv1"});
  EXPECT_THROW(SimilarityMatcher(*model, options), std::invalid_argument);
}

TEST(SimilarityMatcher, DropsATapWhoseGammaCollapsesAndKeepsItDroppedAcrossACheckpoint) {
  auto model = tiny_resnet();
  Options options = similarity_options();
  options.set("taps", std::vector<std::string>{"1", "5", "9"});
  options.set("drop_gamma_below", 0.1);
  SimilarityMatcher matcher(*model, options);
  torch::Tensor f = torch::randn({4, 3});
  torch::Tensor target = centred_cosine_similarity(torch::randn({4, 5}));
  matcher.loss({f, f, f}, target);
  EXPECT_EQ(matcher.tap_indices(), (std::vector<int>{0, 4, 8}));  // γ = 1/3 each: all live

  // γ collapses onto layer 5: layers 1 and 9 go, γ renormalises to 1 on 5.
  {
    torch::NoGradGuard no_grad;
    matcher.named_parameters()["gamma_logits"].copy_(torch::tensor({0.0f, 4.0f, 0.0f}));
  }
  matcher.loss({f, f, f}, target);
  EXPECT_EQ(matcher.tap_indices(), (std::vector<int>{4}));
  EXPECT_TRUE(torch::allclose(matcher.gamma(), torch::tensor({0.0f, 1.0f, 0.0f})));
  EXPECT_DOUBLE_EQ(matcher.gamma_by_tap().at("gamma/conv9"), 0.0);
  EXPECT_TRUE(torch::allclose(matcher.model_similarity({f}), centred_cosine_similarity(f)));
  EXPECT_THROW(matcher.model_similarity({f, f, f}), std::invalid_argument);

  // The live taps travel with the module's state, as a checkpoint saves it.
  torch::serialize::OutputArchive out;
  matcher.save(out);
  std::ostringstream bytes;
  out.save_to(bytes);
  SimilarityMatcher resumed(*model, options);
  torch::serialize::InputArchive in;
  std::istringstream stream(bytes.str());
  in.load_from(stream);
  resumed.load(in);
  EXPECT_EQ(resumed.tap_indices(), (std::vector<int>{4}));
}

TEST(SimilarityMatcher, RefusesADropThresholdThatWouldDropEveryTapAtTheStart) {
  auto model = tiny_resnet();
  Options options = similarity_options();
  options.set("taps", std::vector<std::string>{"1", "5"});
  options.set("drop_gamma_below", 0.5);
  try {
    SimilarityMatcher matcher(*model, options);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "'drop_gamma_below' must lie in [0, 1/taps) = [0, 0.500000), or every tap would be "
              "dropped at the start; got 0.500000");
  }
}

}  // namespace
}  // namespace neuroreg::sdk
