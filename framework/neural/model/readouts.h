// Per-neuron readouts, and the two circuits that account for what the eye
// and the body do (Sinz et al. 2018, used by Li et al. 2019).
//
// PointReadout (the paper's model): each neuron reads the core's features at
// one learned position, sampled with bilinear interpolation from the map and
// from `pool_steps` 2×2-average-pooled copies of it (the coarse copies give a
// position gradients from farther away), weighted per neuron.
// A shift (from the Shifter) moves every neuron's position alike.
//
// FactorizedReadout (Klindt et al. 2017, Ecker et al. 2019): a positive
// spatial mask per neuron times feature weights over all channels; both
// L1-penalised, so each neuron ends up reading a few positions and features.
//
// Shifter: pupil centre → a shift of the readout positions (MLP, tanh).
// Modulator: behaviour → a positive gain per neuron, exp of an MLP whose last
// layer starts at zero (gain 1 until behaviour proves useful).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

namespace neuroreg {

class PointReadout : public torch::nn::Module {
 public:
  PointReadout(int64_t neurons, int64_t channels, int64_t pool_steps, double sparsity);

  /// features N×C×h×w, shift N×2 (grid units, [-1,1] spans the map) or
  /// undefined → N×neurons (before the output nonlinearity).
  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& shift);

  /// L1 of the feature weights.
  torch::Tensor regularization();

  /// Moves each neuron to the peak of its map (neurons×h×w over the
  /// core's output grid), e.g. contrast_maps'.
  void start_at_peaks(const torch::Tensor& maps);

  torch::Tensor positions;  ///< neurons×2 (x, y) in [-1, 1]
  torch::Tensor weights;    ///< neurons × C·(pool_steps+1)
  torch::Tensor bias;       ///< neurons

 private:
  int64_t pool_steps_;
  double sparsity_;
};

class FactorizedReadout : public torch::nn::Module {
 public:
  FactorizedReadout(int64_t neurons, int64_t channels, int64_t height, int64_t width,
                    double mask_sparsity, double feature_sparsity);

  /// features N×C×h×w → N×neurons.
  torch::Tensor forward(const torch::Tensor& features);

  torch::Tensor regularization();

  /// Starts each neuron's mask as the positive part of its map
  /// (neurons×h×w), scaled to the initial mask's total.
  void start_from_maps(const torch::Tensor& maps);

  torch::Tensor mask;     ///< neurons×h·w, used as |mask|
  torch::Tensor weights;  ///< neurons×C
  torch::Tensor bias;     ///< neurons

 private:
  double mask_sparsity_, feature_sparsity_;
};

/// Where each neuron looks, guessed from the data before fitting: the
/// covariance over trials of its response with the local contrast energy of
/// the image (squared z-scored pixels, smoothed over 5×5), cropped to the
/// core's output grid of h×w centred in the image. V1 cells, simple or
/// complex, respond more when their field holds contrast, so the peak of
/// this map is a good first guess of the field's centre; a point readout
/// started there need not crawl across the map (its gradient is local).
/// images N×1×H×W, responses N×A → A×h×w.
torch::Tensor contrast_maps(const torch::Tensor& images, const torch::Tensor& responses, int64_t h,
                            int64_t w);

class Shifter : public torch::nn::Module {
 public:
  explicit Shifter(int64_t hidden);
  /// pupil centre N×2 (z-scored) → shift N×2 in (−1, 1).
  torch::Tensor forward(const torch::Tensor& pupil_center);

 private:
  torch::nn::Linear in_{nullptr}, out_{nullptr};
};

class Modulator : public torch::nn::Module {
 public:
  Modulator(int64_t behaviors, int64_t hidden, int64_t neurons);
  /// behaviour N×B → gain N×neurons, positive.
  torch::Tensor forward(const torch::Tensor& behavior);

 private:
  torch::nn::Linear in_{nullptr}, out_{nullptr};
};

}  // namespace neuroreg
