// Synthetic natural-like scenes for the simulated recordings' stimuli: the
// paper showed ImageNet images, another domain than the task, and none can be
// downloaded here, so scenes are generated.
//
// "Dead leaves" (Matheron 1968; Ruderman 1997; Lee, Mumford & Huang 2001):
// opaque discs of uniform random grey, radii drawn from p(r) ∝ r^-3 between
// a fraction of a pixel and the screen's width, stacked front to back until
// every pixel is covered. The r^-3 size law makes the scenes scale
// invariant, so their power spectrum falls as ~1/f², as natural images' do;
// occlusion gives them edges and flat regions. Drawn at 2× and averaged down
// (antialiased edges). Each scene is a pure function of (seed, index).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

namespace neuroreg {

struct DeadLeavesSettings {
  int64_t height = 36;  ///< the paper's 36×64 stimuli
  int64_t width = 64;
  double min_radius = 0.5;     ///< pixels of the output
  double max_radius = 64;      ///< pixels of the output
  double size_exponent = 3;    ///< p(r) ∝ r^-size_exponent
  int64_t supersample = 2;     ///< drawn at this multiple, then averaged
  int64_t max_leaves = 20000;  ///< per scene; what is left uncovered takes one last grey
};

/// `count` scenes N×1×H×W float32 in [0,1], scene k seeded by (seed, k).
torch::Tensor dead_leaves(int64_t count, uint64_t seed, const DeadLeavesSettings& settings = {});

/// The generator and its parameters in words, for provenance.
std::string describe_dead_leaves(int64_t count, uint64_t seed,
                                 const DeadLeavesSettings& settings = {});

}  // namespace neuroreg
