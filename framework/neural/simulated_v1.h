// Similarity targets from a simulated V1 population, with a known truth.
//
// Model neurons with Gabor receptive fields of varied position, orientation,
// spatial frequency and phase; half simple cells (rectified linear filter),
// half complex (energy of a quadrature pair); a saturating response
// r = r_max u²/(c50² + u²); r_max spread log-normally, so Poisson trial noise
// gives a wide range of signal-to-noise ratios. The `mouse` preset (default)
// takes its tuning, field sizes and placement from mouse physiology through
// the paper's screen geometry, and sets c50 from the RMS of the neuron's
// unrectified drive; `legacy` is the earlier simulator (v1_physiology.h).
//
// Two targets over the same stimuli (36×64, the paper's size):
//   <out>/model  S from the noise-free rates: the ground truth that S_model
//                (Eq. 6) estimates, for runs before the neural pipeline
//   <out>/data   S from one Poisson trial per stimulus (Eq. 2's S_data)
// With `mouse` both are weighted by Eq. 1 (v1_descriptors.h), and two
// independent populations must agree (the gate) before anything is written.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <ostream>
#include <string>

#include "neural/v1_physiology.h"

namespace neuroreg {

struct V1Settings {
  int64_t neurons = 1000;
  int64_t height = 36;  ///< stimuli are resized to the paper's 36×64
  int64_t width = 64;
  double complex_fraction = 0.5;
  double mean_peak_rate = 0.15;  ///< mean r_max, spikes per trial (log-normal spread)
  uint64_t seed = 0;
  V1Physiology physiology = V1Physiology::kMouse;
};

/// A population of model V1 neurons (filters and response parameters).
class V1Population {
 public:
  explicit V1Population(const V1Settings& settings);

  /// Noise-free rates, stimuli N×1×h×w in [0,1] → N×neurons (spikes per
  /// trial). Each neuron's half-saturation c50 adapts to `adapted_to` (the
  /// stimulus ensemble; default: `stimuli` themselves), so rates of other
  /// images (noisy copies, gratings) can be taken at the same c50.
  torch::Tensor rates(const torch::Tensor& stimuli,
                      const torch::Tensor& adapted_to = torch::Tensor()) const;

  /// One Poisson trial per stimulus of `rates`, seeded.
  torch::Tensor trial(const torch::Tensor& rates, uint64_t seed) const;

  const V1Settings& settings() const { return settings_; }

  /// Each neuron's preferred spatial frequency parameter: cycles/degree for
  /// `mouse`, cycles/pixel for `legacy`. Double, neurons.
  const torch::Tensor& preferred_frequency() const { return frequency_; }

  /// Each neuron's preferred orientation (radians, the carrier's direction
  /// on the screen in degrees of visual angle). Double, neurons.
  const torch::Tensor& preferred_orientation() const { return orientation_; }

  const torch::Tensor& is_complex() const { return is_complex_; }

 private:
  // Linear responses of the even and odd filters, N×neurons each.
  std::pair<torch::Tensor, torch::Tensor> linear(const torch::Tensor& stimuli) const;

  V1Settings settings_;
  torch::Tensor even_;        // neurons × (h·w), zero-mean Gabors
  torch::Tensor odd_;         // their quadrature partners
  torch::Tensor is_complex_;  // bool, neurons
  torch::Tensor peak_rate_;   // r_max, neurons
  torch::Tensor frequency_, orientation_;
};

/// A second population drawn like `settings` but from an independent seed:
/// the other half of the gate.
V1Settings independent_population(const V1Settings& settings);

/// Simulates `population` on `stimuli` (N×1×H×W in [0,1], any size) and writes
/// the `model` and `data` targets under `out_dir` (each atomically). Prints
/// the descriptors and the gate (r between the `model` targets of this and
/// an independent population on up to 1000 stimuli); with the `mouse`
/// preset a gate below kGateThreshold throws std::runtime_error before
/// anything is written. `source` describes the stimuli for the provenance.
void write_simulated_v1_targets(const V1Population& population, const torch::Tensor& stimuli,
                                const std::string& source, const std::string& out_dir,
                                std::ostream& log);

}  // namespace neuroreg
