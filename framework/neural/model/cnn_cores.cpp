#include "neural/model/cnn_cores.h"

#include <torch/torch.h>

#include <stdexcept>
#include <string>

namespace neuroreg {
namespace {

namespace nn = torch::nn;

void check_kernels(const std::vector<int64_t>& kernels, const char* core) {
  if (kernels.empty()) throw std::invalid_argument(std::string(core) + ": kernels is empty");
  for (int64_t k : kernels) {
    if (k < 1 || k % 2 == 0) {
      throw std::invalid_argument(std::string(core) + ": kernel size " + std::to_string(k) +
                                  " must be odd and positive");
    }
  }
}

}  // namespace

torch::Tensor laplace_smoothness(const torch::Tensor& weight) {
  static const float kLaplace[] = {0, -1, 0, -1, 4, -1, 0, -1, 0};
  const torch::Tensor laplace =
      torch::from_blob(const_cast<float*>(kLaplace), {1, 1, 3, 3}).to(weight.options());
  const torch::Tensor filters = weight.reshape({-1, 1, weight.size(-2), weight.size(-1)});
  const torch::Tensor rough = torch::conv2d(filters, laplace, {}, 1, 1);
  return rough.pow(2).sum() / (filters.pow(2).sum() + 1e-12);
}

torch::Tensor group_sparsity(const torch::Tensor& weight) {
  return weight.pow(2).sum({2, 3}).add(1e-12).sqrt().sum();
}

torch::Tensor core_penalty(const std::vector<torch::Tensor>& filters, double smoothness,
                           double group) {
  torch::Tensor penalty = smoothness * laplace_smoothness(filters.front());
  for (size_t l = 1; l < filters.size(); ++l)
    penalty = penalty + group * group_sparsity(filters[l]);
  return penalty;
}

SkipCnnCore::SkipCnnCore(const SkipCnnSettings& settings) : settings_(settings) {
  check_kernels(settings.kernels, "paper_cnn core");
  if (settings.channels < 1) throw std::invalid_argument("paper_cnn core: channels must be ≥ 1");
  int64_t in = 1;
  for (size_t l = 0; l < settings.kernels.size(); ++l) {
    const int64_t k = settings.kernels[l];
    // Layer 1 is unpadded (its output is the readout's grid); the others keep that size.
    convs_.push_back(register_module(
        "conv" + std::to_string(l + 1),
        nn::Conv2d(
            nn::Conv2dOptions(in, settings.channels, k).padding(l == 0 ? 0 : k / 2).bias(false))));
    norms_.push_back(
        register_module("bn" + std::to_string(l + 1), nn::BatchNorm2d(settings.channels)));
    in = (l == 0 ? 0 : in) + settings.channels;  // skip: every earlier layer feeds the next
  }
}

torch::Tensor SkipCnnCore::forward(const torch::Tensor& images) {
  std::vector<torch::Tensor> outputs;
  for (size_t l = 0; l < convs_.size(); ++l) {
    const torch::Tensor input = l == 0 ? images : torch::cat(outputs, 1);
    outputs.push_back(torch::elu(norms_[l](convs_[l](input))));
  }
  return torch::cat(outputs, 1);
}

int64_t SkipCnnCore::out_channels() const {
  return settings_.channels * static_cast<int64_t>(settings_.kernels.size());
}

torch::Tensor SkipCnnCore::regularization() {
  std::vector<torch::Tensor> filters;
  for (const auto& conv : convs_) filters.push_back(conv->weight);
  return core_penalty(filters, settings_.smoothness, settings_.group_sparsity);
}

RegularCnnCore::RegularCnnCore(const RegularCnnSettings& settings) : settings_(settings) {
  check_kernels(settings.kernels, "regular_cnn core");
  if (settings.channels < 1) throw std::invalid_argument("regular_cnn core: channels must be ≥ 1");
  int64_t in = 1;
  for (size_t l = 0; l < settings.kernels.size(); ++l) {
    const int64_t k = settings.kernels[l];
    convs_.push_back(register_module("conv" + std::to_string(l + 1),
                                     nn::Conv2d(nn::Conv2dOptions(in, settings.channels, k)
                                                    .padding(settings.padded ? k / 2 : 0)
                                                    .bias(false))));
    norms_.push_back(
        register_module("bn" + std::to_string(l + 1), nn::BatchNorm2d(settings.channels)));
    in = settings.channels;
  }
}

torch::Tensor RegularCnnCore::forward(const torch::Tensor& images) {
  torch::Tensor x = images;
  for (size_t l = 0; l < convs_.size(); ++l) {
    x = norms_[l](convs_[l](x));
    // As in the equivariant core: a nonlinearity after every layer but the last.
    if (l + 1 < convs_.size()) x = torch::softplus(x);
  }
  return x;
}

torch::Tensor RegularCnnCore::regularization() {
  std::vector<torch::Tensor> filters;
  for (const auto& conv : convs_) filters.push_back(conv->weight);
  return core_penalty(filters, settings_.smoothness, settings_.group_sparsity);
}

}  // namespace neuroreg
