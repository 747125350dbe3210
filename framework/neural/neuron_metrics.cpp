#include "neural/neuron_metrics.h"

#include <torch/torch.h>

#include <stdexcept>

namespace neuroreg {

torch::Tensor neuron_correlations(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes() || a.dim() != 2) {
    throw std::invalid_argument("neuron_correlations: expected two equal N×A tensors, got " +
                                c10::str(a.sizes()) + " and " + c10::str(b.sizes()));
  }
  const torch::Tensor x = a.to(torch::kDouble) - a.to(torch::kDouble).mean(0);
  const torch::Tensor y = b.to(torch::kDouble) - b.to(torch::kDouble).mean(0);
  const torch::Tensor norms = (x.pow(2).sum(0) * y.pow(2).sum(0)).sqrt();
  const torch::Tensor r = (x * y).sum(0) / norms.clamp_min(1e-30);
  return torch::where(norms > 0, r, torch::zeros_like(r)).to(torch::kFloat);
}

NeuronMetrics neuron_metrics(const torch::Tensor& predicted, const torch::Tensor& responses) {
  if (predicted.sizes() != responses.sizes() || responses.dim() != 3 || responses.size(1) < 2) {
    throw std::invalid_argument(
        "neuron_metrics: expected predictions and responses of images × repeats (≥ 2) × "
        "neurons, got " +
        c10::str(predicted.sizes()) + " and " + c10::str(responses.sizes()));
  }
  const int64_t images = responses.size(0), repeats = responses.size(1);
  const torch::Tensor p = predicted.to(torch::kDouble), r = responses.to(torch::kDouble);
  NeuronMetrics m;
  m.test_correlation =
      neuron_correlations(p.reshape({images * repeats, -1}), r.reshape({images * repeats, -1}));
  m.correlation_to_average = neuron_correlations(p.mean(1), r.mean(1));
  const torch::Tensor others = (r.sum(1, /*keepdim=*/true) - r) / static_cast<double>(repeats - 1);
  m.oracle_correlation = neuron_correlations(r.reshape({images * repeats, -1}),
                                             others.reshape({images * repeats, -1}));
  const torch::Tensor noise = r.var(1, /*unbiased=*/true).mean(0);
  const torch::Tensor total = r.reshape({images * repeats, -1}).var(0, /*unbiased=*/true);
  const torch::Tensor mse = (p - r).pow(2).mean(std::vector<int64_t>{0, 1});
  // Only defined where there is something to explain: a neuron whose
  // repeats vary as much as its images do gets NaN, not a huge ratio.
  const torch::Tensor explainable = total - noise;
  m.feve = torch::where(explainable > 0.01 * total, 1 - (mse - noise) / explainable,
                        torch::full_like(explainable, NAN))
               .to(torch::kFloat);
  const torch::Tensor o = m.oracle_correlation.to(torch::kDouble);
  m.fraction_of_oracle = (o * m.test_correlation.to(torch::kDouble)).sum().item<double>() /
                         std::max(o.pow(2).sum().item<double>(), 1e-30);
  return m;
}

}  // namespace neuroreg
