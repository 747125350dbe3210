#include "robustness/epsilon_search.h"

#include <torch/torch.h>

#include <stdexcept>

namespace neuroreg {

EpsilonSearchResult search_smallest_epsilon(
    int64_t samples, const EpsilonSearchSettings& settings,
    const std::function<torch::Tensor(const torch::Tensor& epsilons)>& attempt) {
  if (settings.start <= 0 || settings.growth <= 1 || settings.limit < settings.start ||
      settings.steps < 1) {
    throw std::invalid_argument(
        "epsilon search needs start > 0, growth > 1, limit >= start and steps >= 1");
  }
  const auto options = torch::TensorOptions().dtype(torch::kDouble);
  EpsilonSearchResult r{torch::full({samples}, INFINITY, options), torch::zeros({samples}, options),
                        torch::full({samples}, INFINITY, options)};
  torch::Tensor epsilons = torch::full({samples}, settings.start, options);
  for (int step = 0; step < settings.steps; ++step) {
    const torch::Tensor distances = attempt(epsilons).to(torch::kCPU, torch::kDouble);
    const torch::Tensor success = distances.isfinite();
    r.distances = torch::minimum(r.distances, distances);
    r.succeeded = torch::where(success, torch::minimum(r.succeeded, epsilons), r.succeeded);
    r.failed = torch::where(success, r.failed, torch::maximum(r.failed, epsilons));
    // Bisect once a success brackets the threshold; grow (up to the limit) before.
    const torch::Tensor bracketed = r.succeeded.isfinite();
    epsilons = torch::where(bracketed, (r.failed + r.succeeded) / 2,
                            torch::clamp_max(epsilons * settings.growth, settings.limit));
  }
  return r;
}

}  // namespace neuroreg
