// Eqs. 1-5 of Li et al. 2019 against values computed by hand, loop by loop.
#include "neural/neural_similarity.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace neuroreg {
namespace {

TEST(SnrWeights, AreSignalOverNoiseStandardDeviations) {
  // 3 images × 2 repeats × 2 neurons.
  const torch::Tensor oracle = torch::tensor({1.0, 0.0, 3.0, 0.0,   // image 0: repeats (1,0), (3,0)
                                              2.0, 1.0, 2.0, 3.0,   // image 1
                                              6.0, 2.0, 4.0, 4.0},  // image 2
                                             torch::kDouble)
                                   .view({3, 2, 2});
  // Neuron 0: means 2, 2, 5 → σ² = var(2,2,5) = 3; variances over the two
  // repeats 2, 0, 2 → η² = 4/3. Neuron 1: means 0, 2, 3 → σ² = 7/3;
  // variances 0, 2, 2 → η² = 4/3.
  const torch::Tensor w = snr_weights(oracle);
  EXPECT_NEAR(w[0].item<double>(), std::sqrt(3.0 / (4.0 / 3.0)), 1e-12);
  EXPECT_NEAR(w[1].item<double>(), std::sqrt((7.0 / 3.0) / (4.0 / 3.0)), 1e-12);
}

TEST(SnrWeights, GiveANeuronWithoutNoiseTheLargestWeightAndASilentOneZero) {
  torch::manual_seed(0);
  torch::Tensor oracle = torch::rand({4, 3, 3}, torch::kDouble);
  oracle.select(2, 1).copy_(torch::arange(4, torch::kDouble).view({4, 1}).expand({4, 3}));
  oracle.select(2, 2).zero_();
  const torch::Tensor w = snr_weights(oracle);
  EXPECT_DOUBLE_EQ(w[1].item<double>(), w[0].item<double>());
  EXPECT_DOUBLE_EQ(w[2].item<double>(), 0.0);
}

TEST(DataEmbeddings, GiveTheCentredCosineOfWeightedResponses) {
  torch::manual_seed(1);
  const torch::Tensor r = torch::rand({5, 4}, torch::kDouble);
  const torch::Tensor w = torch::tensor({1.0, 2.0, 0.5, 0.0}, torch::kDouble);
  const torch::Tensor e = data_embeddings(r, w);
  const torch::Tensor scaled = r * w;
  const torch::Tensor mean = scaled.mean(0);
  for (int64_t i = 0; i < 5; ++i) {
    for (int64_t j = 0; j < 5; ++j) {
      const torch::Tensor a = scaled[i] - mean, b = scaled[j] - mean;
      const double expected = (a.dot(b) / (a.norm() * b.norm())).item<double>();
      EXPECT_NEAR(e[i].dot(e[j]).item<double>(), expected, 1e-5);
    }
  }
}

TEST(OracleSimilarity, IsTheMeanTrialSimilarityLeavingOutATrialWithItself) {
  torch::manual_seed(2);
  const int64_t images = 3, repeats = 4, neurons = 6;
  const torch::Tensor oracle = torch::rand({images, repeats, neurons}, torch::kDouble);
  const torch::Tensor w = torch::rand({neurons}, torch::kDouble) + 0.5;
  const torch::Tensor e = data_embeddings(oracle.reshape({images * repeats, neurons}), w);
  const torch::Tensor s = oracle_similarity(oracle, w);
  for (int64_t i = 0; i < images; ++i) {
    for (int64_t j = 0; j < images; ++j) {
      double sum = 0;
      int pairs = 0;
      for (int64_t t = 0; t < repeats; ++t) {
        for (int64_t u = 0; u < repeats; ++u) {
          if (i == j && t == u) continue;
          sum += e[i * repeats + t].dot(e[j * repeats + u]).item<double>();
          ++pairs;
        }
      }
      EXPECT_NEAR(s[i][j].item<double>(), sum / pairs, 1e-5) << i << "," << j;
    }
  }
}

TEST(LeaveOneOutOracleR, MatchesTheDefinitionComputedPairByPair) {
  torch::manual_seed(3);
  const int64_t images = 4, repeats = 3, neurons = 6;
  const torch::Tensor oracle = torch::rand({images, repeats, neurons}, torch::kDouble) +
                               torch::rand({images, 1, neurons}, torch::kDouble);
  const torch::Tensor w = torch::rand({neurons}, torch::kDouble) + 0.5;
  // Each trial an image of Eq. 2, centred over all I·T trials, one by one.
  std::vector<std::vector<torch::Tensor>> e(images, std::vector<torch::Tensor>(repeats));
  torch::Tensor mean = torch::zeros({neurons}, torch::kDouble);
  for (int64_t i = 0; i < images; ++i)
    for (int64_t t = 0; t < repeats; ++t) mean += oracle[i][t] * w / (images * repeats);
  for (int64_t i = 0; i < images; ++i) {
    for (int64_t t = 0; t < repeats; ++t) {
      const torch::Tensor c = oracle[i][t] * w - mean;
      e[i][t] = c / c.norm();
    }
  }
  const torch::Tensor s_model = torch::rand({images, images}, torch::kDouble);
  std::vector<double> single, model, reference;
  for (int64_t i = 0; i < images; ++i) {
    for (int64_t t = 0; t < repeats; ++t) {
      for (int64_t j = 0; j < images; ++j) {
        if (j == i) continue;
        for (int64_t u = 0; u < repeats; ++u) {
          double sum = 0;  // S_oracle of i and j without trials t and u
          for (int64_t a = 0; a < repeats; ++a) {
            for (int64_t b = 0; b < repeats; ++b) {
              if (a != t && b != u) sum += e[i][a].dot(e[j][b]).item<double>();
            }
          }
          reference.push_back(sum / ((repeats - 1) * (repeats - 1)));
          single.push_back(e[i][t].dot(e[j][u]).item<double>());
          model.push_back(s_model[i][j].item<double>());
        }
      }
    }
  }
  auto pearson = [](const std::vector<double>& x, const std::vector<double>& y) {
    const torch::Tensor a = torch::tensor(x, torch::kDouble), b = torch::tensor(y, torch::kDouble);
    const torch::Tensor ca = a - a.mean(), cb = b - b.mean();
    return (ca.dot(cb) / (ca.norm() * cb.norm())).item<double>();
  };
  const torch::Tensor flat = data_embeddings(oracle.reshape({images * repeats, -1}), w);
  EXPECT_NEAR(leave_one_out_oracle_r(oracle, w, flat.matmul(flat.t())), pearson(single, reference),
              1e-6);
  EXPECT_NEAR(leave_one_out_oracle_r(oracle, w, s_model), pearson(model, reference), 1e-6);
  EXPECT_THROW(leave_one_out_oracle_r(oracle, w, torch::zeros({5, 5})), std::invalid_argument);
}

TEST(Fluctuations, AreDeviationsFromTheScanMeanAndFromTheOracleDiagonal) {
  const torch::Tensor a =
      torch::tensor({{1.0f, 0.2f, 0.4f}, {0.2f, 1.0f, 0.6f}, {0.4f, 0.6f, 1.0f}});
  const torch::Tensor b =
      torch::tensor({{1.0f, 0.0f, 0.2f}, {0.0f, 1.0f, 0.2f}, {0.2f, 0.2f, 1.0f}});
  const torch::Tensor scan = scan_fluctuation({a, b});
  ASSERT_EQ(scan.sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(torch::allclose(scan[0], torch::tensor({0.1f, 0.1f, 0.2f})));
  EXPECT_TRUE(torch::allclose(scan[1], -scan[0]));

  torch::manual_seed(3);
  const torch::Tensor oracle = torch::rand({2, 3, 5});
  const torch::Tensor w = torch::ones({5});
  const torch::Tensor e = data_embeddings(oracle.reshape({6, 5}), w);
  const torch::Tensor diagonal = oracle_similarity(oracle, w).diagonal();
  const torch::Tensor repeat = repeat_fluctuation(oracle, w);
  ASSERT_EQ(repeat.numel(), 6);  // 2 images × 3 pairs of repeats
  int64_t k = 0;
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t t = 0; t < 3; ++t) {
      for (int64_t u = t + 1; u < 3; ++u) {
        const double expected = (e[i * 3 + t].dot(e[i * 3 + u]) - diagonal[i]).item<double>();
        EXPECT_NEAR(repeat[k++].item<double>(), expected, 1e-5);
      }
    }
  }
}

TEST(AverageOverScans, HasTheMeanSimilarityAsItsGramMatrixAndUnitRows) {
  torch::manual_seed(4);
  const torch::Tensor a = data_embeddings(torch::rand({6, 5}), torch::ones({5}));
  const torch::Tensor b = data_embeddings(torch::rand({6, 9}), torch::ones({9}));
  const torch::Tensor e = average_over_scans({a, b});
  EXPECT_TRUE(
      torch::allclose(e.matmul(e.t()), 0.5 * (a.matmul(a.t()) + b.matmul(b.t())), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(e.norm(2, 1), torch::ones({6}), 1e-5, 1e-6));
  EXPECT_THROW(average_over_scans({a, b.slice(0, 0, 5)}), std::invalid_argument);
}

}  // namespace
}  // namespace neuroreg
