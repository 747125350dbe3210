// What a simulated population's similarity target is like, reported next to
// it (never used to choose the simulator's parameters), and the Eq. 1
// weighting its targets use.
//
//   stability        r between S of the clean stimuli and S of noisy copies
//                    (Gaussian noise, clamped to [0,1] as the noise sweep does)
//                    at fixed σ and at σ relative to the stimuli's pixel SD
//   pixel r          r between S and the stimuli's own pixel similarity
//                    (centred cosine of pixels)
//   participation    (Σλ)²/Σλ² of the weighted response covariance: about
//                    how many dimensions carry the target
//   binary neurons   the fraction of neurons that are effectively on/off
//   gate             r between the `model` targets of two independent
//                    populations on the same stimuli; at least kGateThreshold
//                    for the `mouse` preset
//
// Every r is Pearson's over the off-diagonal entries of the two matrices.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "neural/simulated_v1.h"

namespace neuroreg {

/// The gate: two independent populations' `model` targets agree at least this well.
constexpr double kGateThreshold = 0.85;
/// Descriptors and the gate are measured on up to this many stimuli.
constexpr int64_t kDescriptorStimuli = 1000;
/// Mouse-physiology defaults: a target from 8000 neurons passes the gate
/// (r = 0.885 for `target simulate-v1`, 0.887 pooled over `neural
/// simulate`'s 2 animals × 2 scans × 2000); 1000 neurons do not.
constexpr int64_t kMouseTargetNeurons = 8000;
constexpr int64_t kMouseScanNeurons = 2000;

/// Eq. 1 for noise-free Poisson rates N×A: w_a = σ_a/η_a with σ_a² = Var_i
/// of the rate (unbiased) and η_a² = mean_i of the trial variance, which for
/// Poisson trials is the rate itself. A neuron that never fires gets 0.
torch::Tensor poisson_snr_weights(const torch::Tensor& rates);

/// The per-neuron factors a simulated target scales noise-free rates or
/// trials by before Eq. 2. `mouse`: each neuron's per-neuron scale (its
/// rates divided by their SD over stimuli, σ_a, as `--normalise std` divides
/// recordings by each neuron's SD) times Eq. 1's w_a = σ_a/η_a, i.e. 1/η_a.
/// Without the scale a neuron would weigh in with its peak rate cubed and a
/// handful of high-rate neurons would carry the target. `legacy`: all 1 (the
/// earlier, unweighted targets). A factors.
torch::Tensor target_weights(const V1Population& population, const torch::Tensor& rates);

/// Which neurons are effectively binary, from noise-free rates N×A: those
/// with fewer than 10 distinct values (to 1e-6 of their range), or with at
/// least 90% of the stimuli within 1% of their range of their lowest or
/// highest rate. A rectified simple cell silent for half the stimuli is not
/// binary; a neuron that is either silent or saturated is. Bool, A.
torch::Tensor binary_neurons(const torch::Tensor& rates);

/// (Σλ)²/Σλ² of the covariance over stimuli of `responses` N×A (already
/// weighted), computed from the smaller Gram matrix.
double participation_ratio(const torch::Tensor& responses);

struct V1Descriptors {
  int64_t stimuli = 0;
  double pixel_sd = 0;                  ///< SD of the stimuli's pixels
  std::vector<double> sigmas;           ///< absolute σ (images in [0,1])
  std::vector<double> stability;        ///< r(S_clean, S_noisy) at each σ
  std::vector<double> relative_sigmas;  ///< σ as multiples of pixel_sd
  std::vector<double> relative_stability;
  double pixel_r = 0;
  double participation_ratio = 0;
  double binary_fraction = 0;
};

/// The descriptors of `population`'s `model` target on `stimuli` (N×1×h×w
/// in [0,1]); noisy copies drawn with `noise_seed`, rated at the clean
/// stimuli's c50 and weights (properties of the neurons, not of the noise).
V1Descriptors describe_population(const V1Population& population, const torch::Tensor& stimuli,
                                  uint64_t noise_seed);

/// The descriptors as lines of text for the output and provenance.txt.
std::string format_descriptors(const V1Descriptors& d);

/// The gate's line: r, its threshold and whether the preset enforces it.
std::string format_gate(double r, V1Physiology physiology, int64_t stimuli,
                        const std::string& between);

}  // namespace neuroreg
