#include "neural/model/readouts.h"

#include <torch/torch.h>

namespace neuroreg {

namespace F = torch::nn::functional;

PointReadout::PointReadout(int64_t neurons, int64_t channels, int64_t pool_steps, double sparsity)
    : pool_steps_(pool_steps), sparsity_(sparsity) {
  // Positions start spread over the whole map: a neuron's gradient only sees
  // the features near its position, so starting all of them at the centre
  // leaves the far ones to crawl.
  positions = register_parameter("positions", torch::rand({neurons, 2}) * 1.8 - 0.9);
  weights = register_parameter("weights",
                               torch::randn({neurons, channels * (pool_steps + 1)}) /
                                   std::sqrt(static_cast<double>(channels * (pool_steps + 1))));
  bias = register_parameter("bias", torch::zeros({neurons}));
}

torch::Tensor PointReadout::forward(const torch::Tensor& features, const torch::Tensor& shift) {
  const int64_t n = features.size(0), neurons = positions.size(0);
  torch::Tensor grid = positions.unsqueeze(0).expand({n, neurons, 2});
  if (shift.defined()) grid = grid + shift.unsqueeze(1);
  grid = grid.clamp(-1, 1).unsqueeze(2);  // N×A×1×2
  const auto options = F::GridSampleFuncOptions()
                           .mode(torch::kBilinear)
                           .padding_mode(torch::kBorder)
                           .align_corners(true);
  std::vector<torch::Tensor> sampled;
  torch::Tensor map = features;
  for (int64_t step = 0; step <= pool_steps_; ++step) {
    if (step > 0) map = torch::avg_pool2d(map, 2, 2);
    sampled.push_back(F::grid_sample(map, grid, options).squeeze(3));  // N×C×A
  }
  const torch::Tensor values = torch::cat(sampled, 1);  // N×C'×A
  return (values * weights.t().unsqueeze(0)).sum(1) + bias;
}

torch::Tensor PointReadout::regularization() { return sparsity_ * weights.abs().sum(); }

void PointReadout::start_at_peaks(const torch::Tensor& maps) {
  const int64_t h = maps.size(1), w = maps.size(2);
  const torch::Tensor peak = maps.flatten(1).argmax(1);
  // align_corners grid: −1 and 1 are the centres of the first and last pixels.
  const torch::Tensor x = (peak % w).to(torch::kFloat) * (2.0 / std::max<int64_t>(w - 1, 1)) - 1;
  const torch::Tensor y = (peak / w).to(torch::kFloat) * (2.0 / std::max<int64_t>(h - 1, 1)) - 1;
  torch::NoGradGuard no_grad;
  positions.copy_(torch::stack({x, y}, 1));
}

torch::Tensor contrast_maps(const torch::Tensor& images, const torch::Tensor& responses, int64_t h,
                            int64_t w) {
  torch::NoGradGuard no_grad;
  const int64_t top = (images.size(2) - h) / 2, left = (images.size(3) - w) / 2;
  const torch::Tensor energy =
      torch::avg_pool2d(images.pow(2), 5, 1, 2, /*ceil_mode=*/false, /*count_include_pad=*/false)
          .slice(2, top, top + h)
          .slice(3, left, left + w)
          .flatten(1);  // N×h·w
  const torch::Tensor e = energy - energy.mean(0);
  const torch::Tensor r = responses - responses.mean(0);
  return r.t().matmul(e).view({responses.size(1), h, w});
}

FactorizedReadout::FactorizedReadout(int64_t neurons, int64_t channels, int64_t height,
                                     int64_t width, double mask_sparsity, double feature_sparsity)
    : mask_sparsity_(mask_sparsity), feature_sparsity_(feature_sparsity) {
  mask = register_parameter(
      "mask", torch::randn({neurons, height * width}).abs() / static_cast<double>(height * width));
  weights = register_parameter(
      "weights", torch::randn({neurons, channels}) / std::sqrt(static_cast<double>(channels)));
  bias = register_parameter("bias", torch::zeros({neurons}));
}

torch::Tensor FactorizedReadout::forward(const torch::Tensor& features) {
  const int64_t n = features.size(0), c = features.size(1);
  // Pool space first (N×C×A), then features: both orders cost N·C·hw·A, and
  // this one keeps the big operand a single GEMM.
  const torch::Tensor pooled = features.reshape({n, c, -1}).matmul(mask.abs().t());
  return (pooled * weights.t().unsqueeze(0)).sum(1) + bias;
}

void FactorizedReadout::start_from_maps(const torch::Tensor& maps) {
  torch::NoGradGuard no_grad;
  const torch::Tensor positive = maps.flatten(1).clamp_min(0);
  const torch::Tensor total = mask.abs().sum(1, /*keepdim=*/true);
  mask.copy_(positive / positive.sum(1, /*keepdim=*/true).clamp_min(1e-12) * total);
}

torch::Tensor FactorizedReadout::regularization() {
  return mask_sparsity_ * mask.abs().sum() + feature_sparsity_ * weights.abs().sum();
}

Shifter::Shifter(int64_t hidden) {
  in_ = register_module("hidden", torch::nn::Linear(2, hidden));
  out_ = register_module("output", torch::nn::Linear(hidden, 2));
}

torch::Tensor Shifter::forward(const torch::Tensor& pupil_center) {
  return torch::tanh(out_(torch::tanh(in_(pupil_center))));
}

Modulator::Modulator(int64_t behaviors, int64_t hidden, int64_t neurons) {
  in_ = register_module("hidden", torch::nn::Linear(behaviors, hidden));
  out_ = register_module("output", torch::nn::Linear(hidden, neurons));
  torch::NoGradGuard no_grad;
  out_->weight.zero_();
  out_->bias.zero_();
}

torch::Tensor Modulator::forward(const torch::Tensor& behavior) {
  return torch::exp(out_(torch::tanh(in_(behavior))));
}

}  // namespace neuroreg
