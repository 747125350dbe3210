// The simulated V1 population and the targets it writes.
#include "neural/simulated_v1.h"

#include <gtest/gtest.h>
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "neural/neural_similarity.h"
#include "neural/synthetic_scenes.h"
#include "neural/v1_descriptors.h"
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

TEST(SimulatedV1, WritesWeightedTargetsWithTheirPhysiologyAndMoreSpikesMeanATruerSData) {
  testing::TempDir dir;
  const torch::Tensor images = dead_leaves(120, 5);
  double previous_r = -1;
  for (double rate : {0.2, 20.0}) {
    SCOPED_TRACE(rate);
    V1Settings settings;
    settings.neurons = 8000;  // the command's default: enough for the gate
    settings.mean_peak_rate = rate;
    std::ostringstream log;
    const std::string out = dir.file("v1_" + std::to_string(static_cast<int>(rate * 10)));
    const V1Population population(settings);
    write_simulated_v1_targets(population, images, "test scenes", out, log);
    sdk::SimilarityTarget truth = sdk::load_similarity_target(out + "/model");
    sdk::SimilarityTarget data = sdk::load_similarity_target(out + "/data");
    EXPECT_EQ(truth.stimuli.sizes(), (std::vector<int64_t>{120, 1, 36, 64}));
    EXPECT_EQ(truth.embeddings.sizes(), (std::vector<int64_t>{120, 8000}));
    EXPECT_NE(truth.provenance.find("noise-free"), std::string::npos);
    EXPECT_NE(truth.provenance.find("weighted by Eq. 1"), std::string::npos);
    EXPECT_NE(truth.provenance.find("Niell & Stryker 2008"), std::string::npos);
    EXPECT_NE(truth.provenance.find("55 x 31 cm at 15 cm"), std::string::npos);
    EXPECT_NE(truth.provenance.find("participation ratio"), std::string::npos);
    EXPECT_NE(truth.provenance.find("gate: r = "), std::string::npos);
    EXPECT_NE(data.provenance.find("Poisson"), std::string::npos);
    EXPECT_NE(log.str().find("r(S_data, S_true) = "), std::string::npos);
    EXPECT_NE(log.str().find("stability r(S_clean, S_noisy)"), std::string::npos);
    // The model target is Eq. 2 of the noise-free rates, each neuron
    // divided by its SD and weighted by Eq. 1.
    const torch::Tensor rates = population.rates(images);
    const torch::Tensor factor = poisson_snr_weights(rates) / rates.std(0);
    EXPECT_TRUE(torch::allclose(truth.embeddings, data_embeddings(rates, factor), 1e-4, 1e-4));
    const torch::Tensor all = torch::arange(120);
    const double r = off_diagonal_r(truth.similarity(all), data.similarity(all));
    EXPECT_LT(r, 0.999);  // single trials are noisy
    EXPECT_GT(r, previous_r);
    previous_r = r;
  }
}

TEST(SimulatedV1, PoissonSnrWeightsAreSignalOverNoise) {
  // Neuron 0 varies a lot around a low mean, neuron 1 little around a high one.
  const torch::Tensor rates = torch::tensor({{0.0, 10.0}, {2.0, 11.0}, {4.0, 12.0}});
  const torch::Tensor w = poisson_snr_weights(rates);
  EXPECT_NEAR(w[0].item<double>(), std::sqrt(4.0 / 2.0), 1e-6);   // Var 4, mean 2
  EXPECT_NEAR(w[1].item<double>(), std::sqrt(1.0 / 11.0), 1e-6);  // Var 1, mean 11
  EXPECT_EQ(poisson_snr_weights(torch::zeros({3, 1}))[0].item<float>(), 0.0f);
}

TEST(SimulatedV1, APopulationThatFailsTheGateWritesNothing) {
  testing::TempDir dir;
  V1Settings settings;
  settings.neurons = 3;  // three neurons cannot pin down a similarity structure
  std::ostringstream log;
  EXPECT_THROW(
      {
        try {
          write_simulated_v1_targets(V1Population(settings), dead_leaves(40, 1), "scenes",
                                     dir.file("t"), log);
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find("< 0.85 (the gate"), std::string::npos) << e.what();
          throw;
        }
      },
      std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(dir.file("t")));
  EXPECT_NE(log.str().find("FAIL"), std::string::npos) << log.str();
  // Legacy reports the gate but does not enforce it.
  settings.physiology = V1Physiology::kLegacy;
  write_simulated_v1_targets(V1Population(settings), dead_leaves(40, 1), "scenes", dir.file("l"),
                             log);
  EXPECT_TRUE(std::filesystem::exists(dir.file("l/model/embeddings.npy")));
  EXPECT_NE(log.str().find("not enforced for legacy"), std::string::npos) << log.str();
}

}  // namespace
}  // namespace neuroreg
