// The search that turns a fixed-ε attack into a minimisation.
#include "robustness/epsilon_search.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace neuroreg {
namespace {

// An "attack" with a known threshold per sample: it succeeds iff ε ≥ t and
// then measures 0.9·ε (a result inside the budget, as real attacks give).
struct ThresholdAttack {
  torch::Tensor thresholds;
  std::vector<torch::Tensor> asked;
  torch::Tensor operator()(const torch::Tensor& eps) {
    asked.push_back(eps.clone());
    return torch::where(eps >= thresholds, 0.9 * eps, torch::full_like(eps, INFINITY));
  }
};

TEST(EpsilonSearch, FindsEachSamplesThresholdAndRecordsTheMeasuredDistance) {
  ThresholdAttack attack{torch::tensor({0.003, 0.01, 0.25, 0.999}, torch::kDouble), {}};
  EpsilonSearchSettings settings;  // start 0.01, ×2, limit 1, 20 steps
  const EpsilonSearchResult r =
      search_smallest_epsilon(4, settings, [&](const torch::Tensor& e) { return attack(e); });
  EXPECT_EQ(attack.asked.size(), 20u);
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    const double t = attack.thresholds[i].item<double>();
    EXPECT_LT(r.failed[i].item<double>(), t);
    EXPECT_GE(r.succeeded[i].item<double>(), t);
    EXPECT_LT(r.succeeded[i].item<double>(), t * 1.01);
    EXPECT_DOUBLE_EQ(r.distances[i].item<double>(), 0.9 * r.succeeded[i].item<double>());
  }
}

TEST(EpsilonSearch, BracketsOnlyNarrowFromStepToStep) {
  ThresholdAttack attack{torch::rand({64}, torch::kDouble) * 0.5 + 1e-3, {}};
  torch::Tensor lo = torch::zeros({64}, torch::kDouble);
  torch::Tensor hi = torch::full({64}, INFINITY, torch::kDouble);
  search_smallest_epsilon(64, {}, [&](const torch::Tensor& e) {
    // Every ε asked for lies inside the bracket the earlier answers left.
    EXPECT_TRUE((e > lo).all().item<bool>());
    EXPECT_TRUE((e < hi).all().item<bool>());
    const torch::Tensor d = attack(e);
    hi = torch::where(d.isfinite(), torch::minimum(hi, e), hi);
    lo = torch::where(d.isfinite(), lo, torch::maximum(lo, e));
    return d;
  });
}

TEST(EpsilonSearch, ReportsNothingFoundWhenEvenTheLimitFails) {
  const EpsilonSearchResult r = search_smallest_epsilon(2, {}, [](const torch::Tensor& e) {
    return torch::full_like(e, INFINITY);
  });
  EXPECT_TRUE(r.distances.isinf().all().item<bool>());
  EXPECT_DOUBLE_EQ(r.failed[0].item<double>(), 1.0);  // grew to the limit
}

TEST(EpsilonSearch, RefusesSettingsThatCannotSearch) {
  EpsilonSearchSettings bad;
  bad.growth = 1.0;
  EXPECT_THROW(search_smallest_epsilon(1, bad, [](const torch::Tensor& e) { return e; }),
               std::invalid_argument);
}

}  // namespace
}  // namespace neuroreg
