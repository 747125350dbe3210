// Dead-leaves scenes: reproducible, in range, with a natural ~1/f² spectrum.
#include "neural/synthetic_scenes.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace neuroreg {
namespace {

TEST(SyntheticScenes, AreReproduciblePerSceneAndInRange) {
  const torch::Tensor a = dead_leaves(5, 11);
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{5, 1, 36, 64}));
  EXPECT_GE(a.min().item<float>(), 0.0f);
  EXPECT_LE(a.max().item<float>(), 1.0f);
  EXPECT_TRUE(a.equal(dead_leaves(5, 11)));
  // Scene k depends on (seed, k) only, not on how many were drawn.
  EXPECT_TRUE(a.slice(0, 0, 3).equal(dead_leaves(3, 11)));
  EXPECT_FALSE(a.equal(dead_leaves(5, 12)));
  // Scenes differ from each other and have contrast.
  EXPECT_FALSE(a[0].equal(a[1]));
  EXPECT_GT(a.std().item<double>(), 0.1);
}

// Slope of log power against log spatial frequency, radially averaged over
// the 2-D spectrum of the scenes (mean removed, Hann-windowed so the image
// border adds no edge of its own), fitted over 0.03-0.25 cycles/pixel.
double spectral_slope(const torch::Tensor& images) {
  const int64_t h = images.size(2), w = images.size(3);
  const torch::Tensor window = torch::hann_window(h, false, torch::kDouble).view({h, 1}) *
                               torch::hann_window(w, false, torch::kDouble).view({1, w});
  torch::Tensor x = images.to(torch::kDouble).squeeze(1);
  x = (x - x.mean({1, 2}, true)) * window;
  const torch::Tensor power = torch::fft::fft2(x).abs().square().mean(0);
  const torch::Tensor fy = torch::fft::fftfreq(h, torch::kDouble).view({h, 1});
  const torch::Tensor fx = torch::fft::fftfreq(w, torch::kDouble).view({1, w});
  const torch::Tensor f = (fy.square() + fx.square()).sqrt();
  // Log-spaced rings, each averaged, then a least-squares line.
  std::vector<double> lf, lp;
  const int bins = 8;
  const double lo = std::log(0.03), hi = std::log(0.25);
  for (int b = 0; b < bins; ++b) {
    const double a = std::exp(lo + (hi - lo) * b / bins),
                 c = std::exp(lo + (hi - lo) * (b + 1) / bins);
    const torch::Tensor ring = (f >= a) & (f < c);
    if (ring.sum().item<int64_t>() == 0) continue;
    lf.push_back(f.masked_select(ring).log().mean().item<double>());
    lp.push_back(power.masked_select(ring).mean().log().item<double>());
  }
  const auto n = static_cast<double>(lf.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < lf.size(); ++i) mx += lf[i] / n, my += lp[i] / n;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < lf.size(); ++i) {
    sxy += (lf[i] - mx) * (lp[i] - my);
    sxx += (lf[i] - mx) * (lf[i] - mx);
  }
  return sxy / sxx;
}

TEST(SyntheticScenes, HaveANaturalImagePowerSpectrum) {
  // Natural images: power ~ 1/f^2 (Field 1987; Ruderman 1997). Tolerance
  // ±0.3, which white noise (0) and a 1/f^3 blur both fail.
  const double slope = spectral_slope(dead_leaves(64, 3));
  EXPECT_NEAR(slope, -2.0, 0.3);
  torch::manual_seed(0);
  EXPECT_GT(spectral_slope(torch::rand({64, 1, 36, 64})), -0.5);  // the measure can tell
}

}  // namespace
}  // namespace neuroreg
