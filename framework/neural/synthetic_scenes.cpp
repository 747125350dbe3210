#include "neural/synthetic_scenes.h"

#include <absl/strings/str_format.h>
#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

namespace neuroreg {
namespace {

// A uniform double in [0,1) from 53 random bits: the same on every standard
// library (std::uniform_real_distribution is not).
double unit(std::mt19937_64& gen) { return static_cast<double>(gen() >> 11) * 0x1.0p-53; }

// One scene, drawn at the supersampled size into `out` (row-major).
void draw_scene(const DeadLeavesSettings& s, std::mt19937_64& gen, std::vector<float>& out) {
  const int64_t h = s.height * s.supersample, w = s.width * s.supersample;
  const double scale = static_cast<double>(s.supersample);
  std::vector<char> covered(static_cast<size_t>(h * w), 0);
  int64_t left = h * w;
  // Inverse CDF of p(r) ∝ r^-a on [r0, r1] (a ≠ 1).
  const double a1 = 1 - s.size_exponent;
  const double lo = std::pow(s.min_radius * scale, a1), hi = std::pow(s.max_radius * scale, a1);
  for (int64_t leaf = 0; leaf < s.max_leaves && left > 0; ++leaf) {
    const double r = std::pow(lo + unit(gen) * (hi - lo), 1 / a1);
    const double cx = unit(gen) * static_cast<double>(w), cy = unit(gen) * static_cast<double>(h);
    const auto grey = static_cast<float>(unit(gen));
    const auto x0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(cx - r)));
    const auto x1 = std::min<int64_t>(w - 1, static_cast<int64_t>(std::ceil(cx + r)));
    const auto y0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(cy - r)));
    const auto y1 = std::min<int64_t>(h - 1, static_cast<int64_t>(std::ceil(cy + r)));
    for (int64_t y = y0; y <= y1; ++y) {
      for (int64_t x = x0; x <= x1; ++x) {
        const double ddx = static_cast<double>(x) + 0.5 - cx,
                     ddy = static_cast<double>(y) + 0.5 - cy;
        const auto k = static_cast<size_t>(y * w + x);
        // Front to back: a leaf shows only where no nearer leaf lies.
        if (!covered[k] && ddx * ddx + ddy * ddy <= r * r) {
          covered[k] = 1;
          out[k] = grey;
          --left;
        }
      }
    }
  }
  if (left > 0) {
    const auto grey = static_cast<float>(unit(gen));
    for (size_t k = 0; k < covered.size(); ++k) {
      if (!covered[k]) out[k] = grey;
    }
  }
}

}  // namespace

torch::Tensor dead_leaves(int64_t count, uint64_t seed, const DeadLeavesSettings& s) {
  if (count < 1 || s.height < 2 || s.width < 2 || s.supersample < 1 || !(s.min_radius > 0) ||
      !(s.max_radius > s.min_radius) || s.size_exponent == 1) {
    throw std::invalid_argument(
        "dead_leaves: needs a count >= 1, an image of at least 2×2, supersample >= 1, "
        "0 < min_radius < max_radius and a size exponent other than 1");
  }
  const int64_t h = s.height * s.supersample, w = s.width * s.supersample;
  torch::Tensor big = torch::empty({count, 1, h, w});
  std::vector<float> scene(static_cast<size_t>(h * w));
  for (int64_t k = 0; k < count; ++k) {
    std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                      static_cast<uint32_t>(k), static_cast<uint32_t>(k >> 32)};
    std::mt19937_64 gen(seq);
    draw_scene(s, gen, scene);
    std::memcpy(big[k].data_ptr<float>(), scene.data(), scene.size() * sizeof(float));
  }
  return s.supersample == 1 ? big : torch::avg_pool2d(big, s.supersample);
}

std::string describe_dead_leaves(int64_t count, uint64_t seed, const DeadLeavesSettings& s) {
  return absl::StrFormat(
      "%d dead-leaves scenes (seed %d): opaque discs of uniform grey in [0,1], radii %g-%g pixels "
      "with p(r) ~ r^-%g (a ~1/f^2 power spectrum, Ruderman 1997, Lee, Mumford & Huang 2001), "
      "centres uniform, stacked front to back until covered, drawn at %dx and averaged to %dx%d",
      count, seed, s.min_radius, s.max_radius, s.size_exponent, s.supersample, s.height, s.width);
}

}  // namespace neuroreg
