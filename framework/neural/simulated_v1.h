// Similarity targets from a simulated V1 population, with a known truth.
//
// Model neurons with Gabor receptive fields of varied position, orientation,
// spatial frequency and phase; half simple cells (rectified linear filter),
// half complex (energy of a quadrature pair); a saturating response
// r = r_max u²/(c50² + u²) with c50 the neuron's median drive, so every
// neuron works in its dynamic range; r_max spread log-normally, so Poisson
// trial noise gives a wide range of signal-to-noise ratios.
//
// Two targets over the same stimuli (images of a dataset resized to the
// paper's 36×64):
//   <out>/model  S from the noise-free rates: the ground truth that S_model
//                (Eq. 6) estimates, for runs before the neural pipeline
//   <out>/data   S from one Poisson trial per stimulus (Eq. 2's S_data)
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <ostream>
#include <string>

namespace neuroreg {

struct V1Settings {
  int64_t neurons = 1000;
  int64_t height = 36;  ///< stimuli are resized to the paper's 36×64
  int64_t width = 64;
  double complex_fraction = 0.5;
  double mean_peak_rate = 0.15;  ///< mean r_max, spikes per trial (log-normal spread)
  uint64_t seed = 0;
};

/// A population of model V1 neurons (filters and response parameters).
class V1Population {
 public:
  explicit V1Population(const V1Settings& settings);

  /// Noise-free rates, stimuli N×1×h×w in [0,1] → N×neurons (spikes per trial).
  torch::Tensor rates(const torch::Tensor& stimuli) const;

  /// One Poisson trial per stimulus of `rates`, seeded.
  torch::Tensor trial(const torch::Tensor& rates, uint64_t seed) const;

  const V1Settings& settings() const { return settings_; }

 private:
  torch::Tensor drive(const torch::Tensor& stimuli) const;  // u ≥ 0, N×neurons

  V1Settings settings_;
  torch::Tensor even_;        // neurons × (h·w), zero-mean Gabors
  torch::Tensor odd_;         // their quadrature partners
  torch::Tensor is_complex_;  // bool, neurons
  torch::Tensor peak_rate_;   // r_max, neurons
};

/// Simulates `population` on `stimuli` (N×1×H×W in [0,1], any size) and writes
/// the `model` and `data` targets under `out_dir` (each atomically).
/// `source` describes the stimuli for the provenance. Progress goes to `log`.
void write_simulated_v1_targets(const V1Population& population, const torch::Tensor& stimuli,
                                const std::string& source, const std::string& out_dir,
                                std::ostream& log);

}  // namespace neuroreg
