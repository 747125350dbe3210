// A hand-built TargetReport for the neural report's tests: no recordings and
// no fitting, so the pictures are drawn in milliseconds.
//
// 24 oracle images in three planted blocks (shuffled, so the clustering has
// work to do), two scans. The matrices' largest off-diagonal |S| is set
// exactly: S_oracle 0.0417, S_model 0.512, S_true 0.8 (the diagonal is 1 in
// each), so each panel's colour bar must read −m, 0, m with these m.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <random>
#include <string>

#include "neural/neural_targets.h"

namespace neuroreg::testing {

inline constexpr int64_t kExampleOracleImages = 24;

/// Block similarity (0.6 within a block, −0.2 across, ± `noise`) scaled so
/// that its largest off-diagonal |S| is `largest`; 1 on the diagonal.
inline torch::Tensor planted_similarity(double largest, double noise, uint64_t seed) {
  const int64_t n = kExampleOracleImages;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> jitter(-noise, noise);
  auto block = [](int64_t i) { return (i * 7) % 3; };  // shuffled blocks
  torch::Tensor s = torch::zeros({n, n}, torch::kDouble);
  auto a = s.accessor<double, 2>();
  double max_abs = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) {
      a[i][j] = a[j][i] = (block(i) == block(j) ? 0.6 : -0.2) + jitter(rng);
      max_abs = std::max(max_abs, std::abs(a[i][j]));
    }
  }
  s *= largest / max_abs;
  s.fill_diagonal_(1.0);
  return s.to(torch::kFloat);
}

/// Pairs (x, y) with y = x + noise, x spread like `s`'s off-diagonal values.
inline std::pair<torch::Tensor, torch::Tensor> noisy_pairs(const torch::Tensor& s, double noise,
                                                           uint64_t seed) {
  const torch::Tensor upper = torch::triu(torch::ones_like(s, torch::kBool), 1);
  const torch::Tensor x = s.masked_select(upper);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> jitter(0, static_cast<float>(noise));
  torch::Tensor y = x.clone();
  auto a = y.accessor<float, 1>();
  for (int64_t k = 0; k < y.size(0); ++k) a[k] += jitter(rng);
  return {x, y};
}

inline TargetReport example_target_report() {
  TargetReport r;
  r.stimuli = 200;
  r.oracle_images = kExampleOracleImages;
  r.repeats = 4;
  for (const char* name : {"animal1-scan1", "animal1-scan2"}) {
    ScanReport scan;
    scan.dir = std::string("/recordings/") + name;
    scan.neurons = 100;
    scan.r_data_oracle = 0.31;
    scan.r_model_oracle = 0.74;
    scan.r_oracle_truth = 0.86;
    scan.r_data_truth = 0.25;
    scan.r_model_truth = 0.7;
    r.scans.push_back(scan);
  }
  r.r_data_oracle = 0.31;
  r.r_model_oracle = 0.74;
  r.r_oracle_truth = 0.86;
  r.r_data_truth = 0.25;
  r.r_model_truth = 0.7;
  r.s_oracle = planted_similarity(0.0417, 0.15, 1);
  r.s_model = planted_similarity(0.512, 0.05, 2);
  r.s_true = planted_similarity(0.8, 0.02, 3);
  std::tie(r.single_trial_oracle, r.single_trial_pairs) = noisy_pairs(r.s_oracle, 0.05, 4);
  std::tie(r.model_oracle, r.model_pairs) = noisy_pairs(r.s_oracle, 0.01, 5);
  r.model_pairs *= 10;  // S_model spans a wider range than S_oracle
  r.repeat_fluctuation = torch::linspace(-0.08, 0.08, 101);
  r.scan_fluctuation = torch::linspace(-0.01, 0.01, 51);
  return r;
}

}  // namespace neuroreg::testing
