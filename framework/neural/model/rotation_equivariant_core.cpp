#include "neural/model/rotation_equivariant_core.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "neural/model/cnn_cores.h"

namespace neuroreg {
namespace {

constexpr const char* kCore = "rotation_equivariant core: ";

void check_settings(const RotationEquivariantSettings& s) {
  auto fail = [](const std::string& what) { throw std::invalid_argument(kCore + what); };
  if (s.rotations < 1) fail("rotations must be ≥ 1, got " + std::to_string(s.rotations));
  if (s.features < 1) fail("features must be ≥ 1, got " + std::to_string(s.features));
  if (s.layers < 1) fail("layers must be ≥ 1, got " + std::to_string(s.layers));
  if (static_cast<int64_t>(s.kernels.size()) != s.layers) {
    fail("kernels has " + std::to_string(s.kernels.size()) + " sizes but layers is " +
         std::to_string(s.layers));
  }
  for (size_t l = 0; l < s.kernels.size(); ++l) {
    if (s.kernels[l] < 1 || s.kernels[l] % 2 == 0) {
      fail("kernels[" + std::to_string(l) + "] = " + std::to_string(s.kernels[l]) +
           " must be odd and positive (rotations turn a filter about its centre pixel)");
    }
  }
  if (!(s.smoothness >= 0) || !std::isfinite(s.smoothness)) {
    fail("smoothness must be finite and ≥ 0, got " + std::to_string(s.smoothness));
  }
  if (!(s.group_sparsity >= 0) || !std::isfinite(s.group_sparsity)) {
    fail("group_sparsity must be finite and ≥ 0, got " + std::to_string(s.group_sparsity));
  }
}

}  // namespace

RotationEquivariantCore::RotationEquivariantCore(const RotationEquivariantSettings& settings)
    : settings_(settings) {
  check_settings(settings);
  const int64_t rotations = settings.rotations, features = settings.features;
  for (int64_t l = 0; l < settings.layers; ++l) {
    const std::string n = std::to_string(l + 1);
    const HermiteBasis& basis = bases_.emplace_back(settings.kernels[l]);
    const int64_t in = l == 0 ? 1 : rotations * features;
    // Roughly unit-norm, nearly orthogonal functions: c ~ N(0, 1/(C_in·B))
    // gives filters of norm ≈ 1/√C_in, activations of the input's scale.
    const double std = 1.0 / std::sqrt(static_cast<double>(in * basis.size()));
    coefficients_.push_back(
        register_parameter("coefficients" + n, torch::randn({features, in, basis.size()}) * std));
    rotated_bases_.push_back(register_buffer(
        "rotated_basis" + n,
        basis.rotated_functions(rotations).view({rotations, basis.size(), -1}).to(torch::kFloat)));
    norms_.push_back(register_module("bn" + n, torch::nn::BatchNorm3d(features)));
  }
}

torch::Tensor RotationEquivariantCore::filters(int64_t layer) const {
  const int64_t rotations = settings_.rotations, features = settings_.features;
  const int64_t k = settings_.kernels.at(layer);
  const torch::Tensor& c = coefficients_.at(layer);  // F×C_in×B
  const int64_t in = c.size(1);
  // R×(F·C_in)×k²: every filter at every rotation, steered in the basis.
  torch::Tensor w = c.reshape({-1, c.size(2)}).matmul(rotated_bases_.at(layer));
  if (layer == 0) return w.view({rotations * features, in, k, k});
  // Output rotation r reads input group s with the filter learned for the
  // relative rotation s − r: roll the input groups by r.
  w = w.view({rotations, features, rotations, in / rotations, k, k});
  std::vector<torch::Tensor> shifted;
  for (int64_t r = 0; r < rotations; ++r) shifted.push_back(w[r].roll(r, 1));
  return torch::stack(shifted).view({rotations * features, in, k, k});
}

torch::Tensor RotationEquivariantCore::forward(const torch::Tensor& images) {
  if (images.dim() != 4 || images.size(1) != 1) {
    throw std::invalid_argument(std::string(kCore) + "images must be N×1×H×W, got " +
                                c10::str(images.sizes()));
  }
  const int64_t rotations = settings_.rotations, features = settings_.features;
  torch::Tensor x = images;
  for (int64_t l = 0; l < settings_.layers; ++l) {
    const int64_t padding = settings_.padded ? settings_.kernels[l] / 2 : 0;
    x = torch::conv2d(x, filters(l), {}, 1, padding);
    // BN over N, rotations, h, w per feature: N×F×R×h×w for BatchNorm3d.
    const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
    x = norms_[l](x.view({n, rotations, features, h, w}).transpose(1, 2))
            .transpose(1, 2)
            .reshape({n, rotations * features, h, w});
    // Ecker et al.: a nonlinearity after every layer but the last.
    if (l + 1 < settings_.layers) x = torch::softplus(x);
  }
  return x;
}

torch::Tensor RotationEquivariantCore::regularization() {
  // On the expanded filters, as RegularCnnCore's on its free ones: the same
  // number of (out, in) pairs at equal channels, so the weights compare.
  std::vector<torch::Tensor> expanded;
  for (int64_t l = 0; l < settings_.layers; ++l) expanded.push_back(filters(l));
  return core_penalty(expanded, settings_.smoothness, settings_.group_sparsity);
}

}  // namespace neuroreg
