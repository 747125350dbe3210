// Turns a fixed-ε attack into a minimisation: per sample, grow ε
// geometrically until the attack succeeds, then bisect between the largest
// failing and the smallest succeeding ε. What is recorded is the measured
// norm of the closest adversarial found at any step, not an ε.
#pragma once

#include <torch/types.h>

#include <functional>

namespace neuroreg {

struct EpsilonSearchSettings {
  double start = 0.01;  ///< first ε of every sample
  double growth = 2.0;  ///< factor while no ε has succeeded yet
  double limit = 1.0;   ///< largest ε worth trying (the norm's diameter of [0,1]^D)
  int steps = 20;       ///< attack runs per sample
};

struct EpsilonSearchResult {
  torch::Tensor distances;  ///< N: smallest measured distance found, +∞ where none
  torch::Tensor failed;     ///< N: largest ε that failed (0 if none)
  torch::Tensor succeeded;  ///< N: smallest ε that succeeded (+∞ if none)
};

/// `attempt(ε)` runs the attack once on every sample with its own ε (an
/// N-tensor, CPU, double) and returns the measured distances (+∞ where the
/// host's check found no adversarial). Each sample's bracket only narrows.
EpsilonSearchResult search_smallest_epsilon(
    int64_t samples, const EpsilonSearchSettings& settings,
    const std::function<torch::Tensor(const torch::Tensor& epsilons)>& attempt);

}  // namespace neuroreg
