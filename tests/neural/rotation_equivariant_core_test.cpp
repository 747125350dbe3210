// The Hermite basis steers filters exactly, and the core built on it commutes
// with 90° rotations of the image: rot90 of the maps, rotation groups shifted.
#include "neural/model/rotation_equivariant_core.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "neural/model/hermite.h"

namespace neuroreg {
namespace {

constexpr double kPi = 3.14159265358979323846;

// torch::rot90 on the last two dimensions: counter-clockwise on screen (row 0
// at the top), the sense in which the basis rotates.
torch::Tensor turned(const torch::Tensor& t, int64_t times = 1) {
  return torch::rot90(t, times, {-2, -1});
}

double max_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(HermiteBasis, HasEveryFunctionUpToTheOrderThatTheGridResolves) {
  // 2n + 2 ≤ πk/2: orders 1, 2, 4, 9 → (N+1)(N+2)/2 functions.
  EXPECT_EQ(HermiteBasis(3).size(), 3);
  EXPECT_EQ(HermiteBasis(5).size(), 6);
  EXPECT_EQ(HermiteBasis(7).size(), 15);
  EXPECT_EQ(HermiteBasis(13).size(), 55);
  EXPECT_EQ(HermiteBasis(13, 12).size(), 91);  // Ecker et al.'s count for 13×13

  const HermiteBasis basis(13);
  const torch::Tensor flat = basis.functions().view({basis.size(), -1});
  EXPECT_EQ(torch::linalg_matrix_rank(flat).item<int64_t>(), basis.size());
  const torch::Tensor norms = flat.norm(2, {1});
  EXPECT_NEAR(norms.min().item<double>(), 1.0, 0.05);  // pairs share one factor
  EXPECT_NEAR(norms.max().item<double>(), 1.0, 0.05);
}

TEST(HermiteBasis, RotatingCoefficientsBy90DegreesEqualsRotatingTheFilterGrid) {
  torch::manual_seed(0);
  for (int64_t k : {3, 5, 13}) {
    const HermiteBasis basis(k);
    const torch::Tensor c = torch::randn({4, basis.size()});
    const torch::Tensor f = basis.filters(c);
    const double scale = f.abs().max().item<double>();
    for (int64_t quarter = 1; quarter <= 3; ++quarter) {
      const torch::Tensor rotated = basis.filters(basis.rotate(c, quarter * kPi / 2));
      EXPECT_LT(max_difference(rotated, turned(f, quarter)), 1e-5 * scale)
          << "k = " << k << ", " << 90 * quarter << "°";
    }
  }
}

TEST(HermiteBasis, TwoRotationsBy45DegreesEqualOneBy90Degrees) {
  torch::manual_seed(1);
  const HermiteBasis basis(13);
  const torch::Tensor c = torch::randn({3, basis.size()}, torch::kDouble);
  const torch::Tensor twice = basis.rotate(basis.rotate(c, kPi / 4), kPi / 4);
  EXPECT_LT(max_difference(twice, basis.rotate(c, kPi / 2)), 1e-12);
  EXPECT_LT(max_difference(basis.filters(twice), turned(basis.filters(c))), 1e-12);
  // And eight of them come back to the start.
  torch::Tensor around = c;
  for (int i = 0; i < 8; ++i) around = basis.rotate(around, kPi / 4);
  EXPECT_LT(max_difference(around, c), 1e-12);
}

TEST(HermiteBasis, RotatedFiltersAreTheFiltersOfRotatedCoefficients) {
  torch::manual_seed(2);
  const HermiteBasis basis(7);
  const torch::Tensor c = torch::randn({2, 3, basis.size()}, torch::kDouble);
  const torch::Tensor all = basis.rotated_filters(c, 8);
  ASSERT_EQ(all.sizes(), torch::IntArrayRef({8, 2, 3, 7, 7}));
  for (int64_t r = 0; r < 8; ++r) {
    EXPECT_LT(max_difference(all[r], basis.filters(basis.rotate(c, r * kPi / 4))), 1e-12) << r;
  }
}

TEST(HermiteBasis, Rotating45DegreesChangesAFiltersEnergyLittleAtTheDefaultOrder) {
  // Not exact on a square grid, but the default basis is band-limited and fits
  // the inscribed disc: for random 13×13 filters the energy moves by about 1%
  // on average (5% at most); Ecker et al.'s orders up to 12 move it by 4% (17%).
  torch::manual_seed(3);
  auto change = [](const HermiteBasis& basis) {
    const torch::Tensor c = torch::randn({200, basis.size()}, torch::kDouble);
    const torch::Tensor before = basis.filters(c).pow(2).sum({1, 2});
    const torch::Tensor after = basis.filters(basis.rotate(c, kPi / 4)).pow(2).sum({1, 2});
    return ((after - before).abs() / before).mean().item<double>();
  };
  const double fitting = change(HermiteBasis(13)), aliased = change(HermiteBasis(13, 12));
  EXPECT_LT(fitting, 0.02);
  EXPECT_GT(aliased, 2 * fitting);
}

RotationEquivariantSettings tiny_settings() {
  RotationEquivariantSettings s;
  s.rotations = 8;
  s.layers = 2;
  s.kernels = {7, 3};
  s.features = 2;
  return s;
}

// Maps N×(R·F)×h×w with the rotation groups moved from r to r + steps.
torch::Tensor shift_rotations(const torch::Tensor& maps, int64_t rotations, int64_t steps) {
  const auto s = maps.sizes();
  return maps.view({s[0], rotations, -1, s[2], s[3]}).roll(steps, 1).view(s);
}

TEST(RotationEquivariantCore, HasRotationsTimesFeaturesChannelsAtTheImagesSize) {
  torch::manual_seed(4);
  RotationEquivariantCore core{RotationEquivariantSettings{}};
  EXPECT_EQ(core.out_channels(), 128);
  const torch::Tensor out = core.forward(torch::randn({2, 1, 20, 24}));
  EXPECT_EQ(out.sizes(), torch::IntArrayRef({2, 128, 20, 24}));
  EXPECT_EQ(core.filters(0).sizes(), torch::IntArrayRef({128, 1, 13, 13}));
  EXPECT_EQ(core.filters(2).sizes(), torch::IntArrayRef({128, 128, 5, 5}));

  RotationEquivariantSettings valid;
  valid.padded = false;
  RotationEquivariantCore unpadded(valid);
  EXPECT_EQ(unpadded.forward(torch::randn({1, 1, 30, 30})).sizes(),
            torch::IntArrayRef({1, 128, 30 - 12 - 4 - 4, 30 - 12 - 4 - 4}));
}

TEST(RotationEquivariantCore, FirstLayerChannelGroupsAreRotatedCopiesOfOneFilterBank) {
  torch::manual_seed(5);
  RotationEquivariantCore core(tiny_settings());
  const torch::Tensor w = core.filters(0).view({8, 2, 1, 7, 7});
  for (int64_t r = 0; r < 8; ++r) {
    EXPECT_LT(max_difference(w[(r + 2) % 8], turned(w[r])), 1e-6) << r;
  }
}

TEST(RotationEquivariantCore, RotatingTheImageBy90DegreesRotatesTheMapsAndShiftsRotationsByTwo) {
  // With 45° steps, 90° is two: the output's group r for the rotated image is
  // rot90 of group r − 2 for the original, core(rot90 x)[r] = rot90(core(x)[r − 2]),
  // i.e. the groups roll forward by +2 (torch::roll with shift 2).
  torch::manual_seed(6);
  RotationEquivariantCore core(tiny_settings());
  const torch::Tensor x = torch::randn({3, 1, 16, 16});
  core.train();
  core.forward(torch::randn({4, 1, 16, 16}));  // running statistics away from 0 and 1
  for (bool training : {false, true}) {
    core.train(training);
    torch::NoGradGuard no_grad;
    const torch::Tensor out = core.forward(x);
    const torch::Tensor rotated = core.forward(turned(x));
    const double scale = out.abs().max().item<double>();
    EXPECT_LT(max_difference(rotated, turned(shift_rotations(out, 8, 2))), 1e-4 * scale)
        << (training ? "train" : "eval");
    // The shift matters: without it, or in the other direction, they differ.
    EXPECT_GT(max_difference(rotated, turned(out)), 0.1 * scale);
    EXPECT_GT(max_difference(rotated, turned(shift_rotations(out, 8, -2))), 0.1 * scale);
  }
}

TEST(RotationEquivariantCore,
     Rotating180And270DegreesShiftsTheRotationsByFourAndSixThroughThreeLayers) {
  torch::manual_seed(7);
  RotationEquivariantSettings s = tiny_settings();
  s.layers = 3;
  s.kernels = {5, 3, 3};
  RotationEquivariantCore core(s);
  core.eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({2, 1, 12, 12});
  const torch::Tensor out = core.forward(x);
  const double scale = out.abs().max().item<double>();
  EXPECT_LT(max_difference(core.forward(turned(x, 2)), turned(shift_rotations(out, 8, 4), 2)),
            1e-4 * scale);
  EXPECT_LT(max_difference(core.forward(turned(x, 3)), turned(shift_rotations(out, 8, 6), 3)),
            1e-4 * scale);
}

TEST(RotationEquivariantCore, RegularizationIsAPositiveScalarWithAGradientForEveryLayer) {
  torch::manual_seed(8);
  RotationEquivariantCore core(tiny_settings());
  const torch::Tensor penalty = core.regularization();
  EXPECT_EQ(penalty.dim(), 0);
  EXPECT_GT(penalty.item<double>(), 0.0);
  penalty.backward();
  for (const auto& p : core.named_parameters()) {
    if (p.key().rfind("coefficients", 0) != 0) continue;
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
}

void expect_rejected(const RotationEquivariantSettings& s, const std::string& expected) {
  try {
    RotationEquivariantCore core(s);
    ADD_FAILURE() << "no error for " << expected;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
}

TEST(RotationEquivariantCore, RejectsASettingItCannotBuildNamingItAndItsValue) {
  RotationEquivariantSettings s = tiny_settings();
  s.layers = 3;
  expect_rejected(s, "kernels has 2 sizes but layers is 3");
  s = tiny_settings();
  s.kernels = {7, 4};
  expect_rejected(s, "kernels[1] = 4");
  s = tiny_settings();
  s.rotations = 0;
  expect_rejected(s, "rotations must be ≥ 1, got 0");
  s = tiny_settings();
  s.features = -1;
  expect_rejected(s, "features must be ≥ 1, got -1");
  s = tiny_settings();
  s.smoothness = -0.5;
  expect_rejected(s, "smoothness");
  EXPECT_THROW(HermiteBasis(6), std::invalid_argument);
}

}  // namespace
}  // namespace neuroreg
