// The simulated V1 population and the targets it writes.
#include "neural/simulated_v1.h"

#include <gtest/gtest.h>
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <sstream>

#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

torch::Tensor stimuli(int64_t n) {
  torch::manual_seed(3);
  // Smooth random images: blurred noise, so Gabors of every frequency respond.
  torch::Tensor x = torch::rand({n, 1, 36, 64});
  return torch::avg_pool2d(x, 3, 1, 1).clamp(0, 1);
}

double off_diagonal_r(const torch::Tensor& a, const torch::Tensor& b) {
  torch::Tensor mask = torch::ones_like(a, torch::kBool).triu(1);
  torch::Tensor x = a.masked_select(mask), y = b.masked_select(mask);
  x = x - x.mean();
  y = y - y.mean();
  return ((x * y).sum() / (x.norm() * y.norm())).item<double>();
}

TEST(SimulatedV1, RatesAreNonNegativeAndComplexCellsIgnoreTheGratingsPhase) {
  V1Settings settings;
  settings.neurons = 50;
  settings.complex_fraction = 1.0;
  V1Population population(settings);
  torch::Tensor r = population.rates(stimuli(40));
  ASSERT_EQ(r.sizes(), (std::vector<int64_t>{40, 50}));
  EXPECT_GE(r.min().item<double>(), 0.0);

  // Energy of a quadrature pair: a grating and its phase shift drive a
  // complex cell alike; simple cells (complex_fraction 0) tell them apart.
  auto grating = [](double phase) {
    torch::Tensor x = torch::arange(64, torch::kFloat).view({1, 1, 1, 64}).expand({1, 1, 36, 64});
    return 0.5 + 0.4 * torch::sin(2 * 3.14159265 * 0.1 * x + phase);
  };
  torch::Tensor pair = torch::cat({grating(0), grating(1.5), stimuli(8)});
  torch::Tensor complex_rates = population.rates(pair);
  settings.complex_fraction = 0.0;
  torch::Tensor simple_rates = V1Population(settings).rates(pair);
  auto phase_change = [](const torch::Tensor& rates) {
    return ((rates[0] - rates[1]).abs().sum() / (rates[0] + rates[1]).sum()).item<double>();
  };
  EXPECT_LT(phase_change(complex_rates), 0.5 * phase_change(simple_rates));
}

TEST(SimulatedV1, WritesLoadableTargetsAndMoreSpikesMeanATruerSData) {
  testing::TempDir dir;
  const torch::Tensor images = stimuli(60);
  double previous_r = -1;
  for (double rate : {0.2, 20.0}) {
    SCOPED_TRACE(rate);
    V1Settings settings;
    settings.neurons = 200;
    settings.mean_peak_rate = rate;
    std::ostringstream log;
    const std::string out = dir.file("v1_" + std::to_string(static_cast<int>(rate * 10)));
    write_simulated_v1_targets(V1Population(settings), images, "test images", out, log);
    sdk::SimilarityTarget truth = sdk::load_similarity_target(out + "/model");
    sdk::SimilarityTarget data = sdk::load_similarity_target(out + "/data");
    EXPECT_EQ(truth.stimuli.sizes(), (std::vector<int64_t>{60, 1, 36, 64}));
    EXPECT_EQ(truth.embeddings.sizes(), (std::vector<int64_t>{60, 200}));
    EXPECT_NE(truth.provenance.find("noise-free"), std::string::npos);
    EXPECT_NE(data.provenance.find("Poisson"), std::string::npos);
    EXPECT_NE(log.str().find("r(S_data, S_true) = "), std::string::npos);
    const torch::Tensor all = torch::arange(60);
    const double r = off_diagonal_r(truth.similarity(all), data.similarity(all));
    EXPECT_LT(r, 0.999);  // single trials are noisy
    EXPECT_GT(r, previous_r);
    previous_r = r;
  }
}

}  // namespace
}  // namespace neuroreg
