// Tiny simulated scans for the neural pipeline's tests.
#pragma once

#include <torch/torch.h>

#include <ostream>
#include <string>
#include <vector>

#include "neural/simulated_scans.h"

namespace neuroreg::testing {

/// Two scans of one animal on smooth random images; returns their folders.
inline std::vector<std::string> simulate_tiny_scans(const std::string& dir, int64_t unique,
                                                    int64_t oracle, int64_t repeats,
                                                    int64_t neurons, double peak_rate,
                                                    std::ostream& log) {
  ScanSimulation sim;
  sim.animals = 1;
  sim.scans_per_animal = 2;
  sim.unique_images = unique;
  sim.oracle_images = oracle;
  sim.repeats = repeats;
  sim.v1.neurons = neurons;
  sim.v1.mean_peak_rate = peak_rate;
  torch::manual_seed(0);
  const torch::Tensor images =
      torch::avg_pool2d(torch::rand({unique + oracle, 1, 36, 64}), 3, 1, 1);
  return simulate_scans(images, sim, dir, log);
}

}  // namespace neuroreg::testing
