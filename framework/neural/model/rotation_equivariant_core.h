// The rotation-equivariant core of Ecker et al. (ICLR 2019): every feature is
// computed at R orientations by rotated copies of one filter, so features that
// differ only in orientation are learned once.
//
// Each layer learns, per output feature, Hermite coefficients (hermite.h) of
// its filter over all input channels, and expands them every forward into R
// copies rotated by r·360°/R. Channels are rotation-major: channel r·F + f is
// feature f at rotation r. From the second layer on, the input is itself R
// groups of rotated features, and the copy for output rotation r also shifts
// the input groups cyclically by r, so that input group s meets the filter
// learned for the relative rotation s − r. Then the layer commutes with
// rotations: rotating the image by r₀ steps (r₀·360°/R a multiple of 90°,
// exactly; other angles up to the grid) rotates every layer's maps and moves
// rotation group r to r + r₀:
//
//   core(rot(x))[r] = rot(core(x)[r − r₀]).
//
// Per layer: conv2d ("same" padding by default, zero padding being symmetric
// under rot90), BatchNorm whose statistics and affine parameters are shared by
// the R copies of a feature (a per-channel BN would treat orientations
// differently), and softplus after every layer but the last, as in Ecker et
// al. (the readout adds the output nonlinearity).
//
// Penalty: Laplace smoothness of the first layer's expanded filters and group
// sparsity (one L2 norm per (out, in) filter) of the later layers' expanded
// filters, the same functions and scale as RegularCnnCore, the comparison
// core of equal layout and channels.
#pragma once

#include <torch/nn/modules/batchnorm.h>

#include <cstdint>
#include <vector>

#include "neural/model/core.h"
#include "neural/model/hermite.h"

namespace neuroreg {

struct RotationEquivariantSettings {
  int64_t rotations = 8;                      ///< R, steps of 360°/R (8: 45°)
  int64_t layers = 3;                         ///< the number of kernels
  std::vector<int64_t> kernels = {13, 5, 5};  ///< odd; one per layer
  int64_t features = 16;                      ///< F per rotation; R·F channels
  bool padded = true;                         ///< "same" padding; false: "valid"
  double smoothness = 0.1;                    ///< Laplace penalty of layer 1
  double group_sparsity = 0.01;               ///< filter-norm penalty of the others
};

class RotationEquivariantCore : public Core {
 public:
  /// std::invalid_argument naming the setting and its value when one is wrong.
  explicit RotationEquivariantCore(const RotationEquivariantSettings& settings);

  /// Images N×1×H×W → N×(R·F)×H×W (each layer shrinks it by k−1 if unpadded).
  torch::Tensor forward(const torch::Tensor& images) override;

  int64_t out_channels() const override { return settings_.rotations * settings_.features; }

  torch::Tensor regularization() override;

  /// The conv weight of `layer` as forward uses it, (R·F)×C_in×k×k with
  /// C_in = 1 for the first layer and R·F after it.
  torch::Tensor filters(int64_t layer) const;

  const RotationEquivariantSettings& settings() const { return settings_; }
  const HermiteBasis& basis(int64_t layer) const { return bases_.at(layer); }

 private:
  RotationEquivariantSettings settings_;
  std::vector<HermiteBasis> bases_;
  std::vector<torch::Tensor> coefficients_;    // F×C_in×B per layer, learned
  std::vector<torch::Tensor> rotated_bases_;   // R×B×k·k per layer, a buffer
  std::vector<torch::nn::BatchNorm3d> norms_;  // F features over N, R, h, w
};

}  // namespace neuroreg
