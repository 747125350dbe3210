// The two ordinary CNN cores of the predictive models.
//
// SkipCnnCore is Li et al.'s (2019) core, after Sinz et al. (2018): three
// conv layers of 32 channels, the first 13×13 and unpadded, the others 3×3;
// each layer sees the outputs of all earlier layers (skip connections),
// BatchNorm then ELU, and the core's output is every layer concatenated.
// Its penalty: Laplace smoothness of the first layer's filters and group
// sparsity (one L2 norm per filter) of the others.
//
// RegularCnnCore is the comparison of Ecker et al. (ICLR 2019): the
// rotation-equivariant core's layout (kernels 13/5/5, as many channels as
// rotations × features) with free filters, BatchNorm and softplus.
#pragma once

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>

#include <vector>

#include "neural/model/core.h"

namespace neuroreg {

struct SkipCnnSettings {
  int64_t channels = 32;
  std::vector<int64_t> kernels = {13, 3, 3};  ///< first unpadded, the others padded
  double smoothness = 0.1;                    ///< Laplace penalty of layer 1
  double group_sparsity = 0.01;               ///< filter-norm penalty of the others
};

class SkipCnnCore : public Core {
 public:
  explicit SkipCnnCore(const SkipCnnSettings& settings);
  torch::Tensor forward(const torch::Tensor& images) override;
  int64_t out_channels() const override;
  torch::Tensor regularization() override;

 private:
  SkipCnnSettings settings_;
  std::vector<torch::nn::Conv2d> convs_;
  std::vector<torch::nn::BatchNorm2d> norms_;
};

struct RegularCnnSettings {
  int64_t channels = 128;  ///< = the equivariant core's rotations × features
  std::vector<int64_t> kernels = {13, 5, 5};
  bool padded = false;  ///< false: every layer "valid" (the map shrinks by k−1)
  double smoothness = 0.1;
  double group_sparsity = 0.01;
};

class RegularCnnCore : public Core {
 public:
  explicit RegularCnnCore(const RegularCnnSettings& settings);
  torch::Tensor forward(const torch::Tensor& images) override;
  int64_t out_channels() const override { return settings_.channels; }
  torch::Tensor regularization() override;

 private:
  RegularCnnSettings settings_;
  std::vector<torch::nn::Conv2d> convs_;
  std::vector<torch::nn::BatchNorm2d> norms_;
};

/// Σ over filters of the squared Laplacian of each (out, in) filter, divided
/// by Σ of the squared weights: smooth filters cost little whatever their scale.
torch::Tensor laplace_smoothness(const torch::Tensor& weight);

/// Σ over (out, in) filter pairs of the filter's L2 norm: drives whole input
/// channels of a layer to zero (group sparsity).
torch::Tensor group_sparsity(const torch::Tensor& weight);

/// Every core's penalty: `smoothness` × Laplace smoothness of the first
/// layer's filters plus `group` × group sparsity of each later layer's.
torch::Tensor core_penalty(const std::vector<torch::Tensor>& filters, double smoothness,
                           double group);

}  // namespace neuroreg
