#include "neural/v1_descriptors.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/target.h>
#include <torch/torch.h>

#include <cmath>

#include "neural/neural_similarity.h"

namespace neuroreg {

torch::Tensor poisson_snr_weights(const torch::Tensor& rates) {
  const torch::Tensor r = rates.to(torch::kDouble);
  const torch::Tensor signal = r.var(0, /*unbiased=*/true);  // σ²
  const torch::Tensor noise = r.mean(0);                     // η²: Poisson variance = rate
  const torch::Tensor w = (signal / noise.clamp_min(1e-30)).sqrt();
  return torch::where(noise > 0, w, torch::zeros_like(w)).to(rates.scalar_type());
}

torch::Tensor target_weights(const V1Population& population, const torch::Tensor& rates) {
  if (population.settings().physiology == V1Physiology::kLegacy) {
    return torch::ones({rates.size(1)}, rates.options());
  }
  const torch::Tensor r = rates.to(torch::kDouble);
  const torch::Tensor scale = r.std(0, /*unbiased=*/true);  // σ_a
  const torch::Tensor w = poisson_snr_weights(r);
  return torch::where(scale > 0, w / scale.clamp_min(1e-300), torch::zeros_like(w))
      .to(rates.scalar_type());
}

torch::Tensor binary_neurons(const torch::Tensor& rates) {
  const torch::Tensor r = rates.to(torch::kDouble);
  const torch::Tensor lo = std::get<0>(r.min(0, true)), hi = std::get<0>(r.max(0, true));
  const torch::Tensor range = (hi - lo).clamp_min(1e-300);
  const torch::Tensor at_extremes = ((r - lo) <= 0.01 * range) | ((hi - r) <= 0.01 * range);
  const torch::Tensor extreme_share = at_extremes.to(torch::kDouble).mean(0);
  // Distinct values to 1e-6 of the range: sort each neuron's levels and
  // count the steps between neighbours.
  const torch::Tensor levels = std::get<0>(((r - lo) / range * 1e6).round().sort(0));
  const torch::Tensor distinct = 1 + (levels.slice(0, 1) != levels.slice(0, 0, -1)).sum(0);
  return (distinct < 10) | (extreme_share >= 0.9) | ((hi - lo).flatten() <= 0);
}

double participation_ratio(const torch::Tensor& responses) {
  torch::Tensor x = responses.to(torch::kDouble);
  x = x - x.mean(0, true);
  const torch::Tensor gram = x.size(0) <= x.size(1) ? x.matmul(x.t()) : x.t().matmul(x);
  const double trace = gram.trace().item<double>();
  return trace * trace / gram.square().sum().item<double>();
}

V1Descriptors describe_population(const V1Population& population, const torch::Tensor& stimuli,
                                  uint64_t noise_seed) {
  V1Descriptors d;
  d.stimuli = stimuli.size(0);
  d.pixel_sd = stimuli.std().item<double>();
  const torch::Tensor rates = population.rates(stimuli);
  const torch::Tensor w = target_weights(population, rates);
  const torch::Tensor clean = data_embeddings(rates, w);
  auto gen = at::detail::createCPUGenerator(noise_seed);
  auto stability = [&](double sigma) {
    const torch::Tensor noisy =
        (stimuli + sigma * at::normal(0.0, 1.0, stimuli.sizes(), gen)).clamp(0.0, 1.0);
    return offdiagonal_correlation(clean, data_embeddings(population.rates(noisy, stimuli), w));
  };
  d.sigmas = {0.1, 0.2, 0.4};
  d.relative_sigmas = {0.5, 1.0, 2.0};
  for (double sigma : d.sigmas) d.stability.push_back(stability(sigma));
  for (double k : d.relative_sigmas) d.relative_stability.push_back(stability(k * d.pixel_sd));
  d.pixel_r = offdiagonal_correlation(clean, sdk::unit_embeddings(stimuli.flatten(1)));
  d.participation_ratio = participation_ratio(rates * w);
  d.binary_fraction = binary_neurons(rates).to(torch::kDouble).mean().item<double>();
  return d;
}

std::string format_descriptors(const V1Descriptors& d) {
  std::string text = absl::StrFormat("descriptors of the model target on %d stimuli:\n", d.stimuli);
  text += "  stability r(S_clean, S_noisy):";
  for (size_t k = 0; k < d.sigmas.size(); ++k) {
    text += absl::StrFormat(" sigma %.1f (%.2f pixel SD) %.3f;", d.sigmas[k],
                            d.sigmas[k] / d.pixel_sd, d.stability[k]);
  }
  text.back() = '\n';
  text += absl::StrFormat("  relative to the pixel SD (%.3f):", d.pixel_sd);
  for (size_t k = 0; k < d.relative_sigmas.size(); ++k) {
    text += absl::StrFormat(" sigma %.1f SD %.3f;", d.relative_sigmas[k], d.relative_stability[k]);
  }
  text.back() = '\n';
  text += absl::StrFormat(
      "  r(S, pixel similarity) = %.3f; participation ratio %.1f; binary neurons %.1f%%\n",
      d.pixel_r, d.participation_ratio, 100 * d.binary_fraction);
  return text;
}

std::string format_gate(double r, V1Physiology physiology, int64_t stimuli,
                        const std::string& between) {
  const bool pass = r >= kGateThreshold;
  return absl::StrFormat("gate: r = %.3f between %s on %d stimuli (>= %.2f: %s%s)\n",
                         r, between, stimuli, kGateThreshold, pass ? "pass" : "FAIL",
                         physiology == V1Physiology::kLegacy ? ", not enforced for legacy" : "");
}

}  // namespace neuroreg
