// The clustering order against a brute-force reference and planted blocks.
#include "neural/clustering.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>

namespace neuroreg {
namespace {

// Pairs in a block are similar (about 0.8), pairs across blocks are not
// (about 0.1), with some noise; images are handed out to blocks at random.
torch::Tensor block_similarity(const std::vector<int64_t>& block_of, uint64_t seed) {
  const auto n = static_cast<int64_t>(block_of.size());
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> noise(-0.1, 0.1);
  torch::Tensor s = torch::eye(n, torch::kDouble);
  auto a = s.accessor<double, 2>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) {
      a[i][j] = a[j][i] = (block_of[i] == block_of[j] ? 0.8 : 0.1) + noise(rng);
    }
  }
  return s;
}

// Average linkage as defined: merge the closest pair (lowest indices on
// ties), every pair looked at every time.
std::vector<int64_t> brute_force_order(const torch::Tensor& similarity) {
  const int64_t n = similarity.size(0);
  std::vector<std::vector<double>> d(n, std::vector<double>(n));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      d[i][j] = 1.0 - 0.5 * (similarity[i][j].item<double>() + similarity[j][i].item<double>());
    }
  }
  std::vector<bool> live(n, true);
  std::vector<std::vector<int64_t>> members(n);
  for (int64_t i = 0; i < n; ++i) members[i] = {i};
  for (int64_t merges = 1; merges < n; ++merges) {
    int64_t a = -1, b = -1;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = i + 1; j < n; ++j) {
        if (live[i] && live[j] && (a < 0 || d[i][j] < d[a][b])) a = i, b = j;
      }
    }
    const double wa = static_cast<double>(members[a].size());
    const double wb = static_cast<double>(members[b].size());
    for (int64_t k = 0; k < n; ++k) {
      if (live[k] && k != a && k != b) {
        d[a][k] = d[k][a] = (wa * d[a][k] + wb * d[b][k]) / (wa + wb);
      }
    }
    live[b] = false;
    members[a].insert(members[a].end(), members[b].begin(), members[b].end());
  }
  return members[0];
}

TEST(ClusterOrder, PutsTheImagesOfOneBlockNextToEachOther) {
  std::vector<int64_t> block_of;
  for (int64_t block = 0; block < 4; ++block) block_of.insert(block_of.end(), 3 + 2 * block, block);
  std::shuffle(block_of.begin(), block_of.end(), std::mt19937_64(7));
  const std::vector<int64_t> order = cluster_order(block_similarity(block_of, 1));

  ASSERT_EQ(order.size(), block_of.size());
  int changes = 0;
  for (std::size_t k = 1; k < order.size(); ++k)
    changes += block_of[order[k]] != block_of[order[k - 1]];
  EXPECT_EQ(changes, 3) << "each of the 4 blocks should be one run";
}

TEST(ClusterOrder, MergesTheClosestPairFirstLikeABruteForceSearch) {
  torch::manual_seed(3);
  for (const int64_t n : {2, 3, 7, 40, 90}) {
    const torch::Tensor x = torch::randn({n, 5}, torch::kDouble);
    const torch::Tensor e =
        torch::nn::functional::normalize(x, torch::nn::functional::NormalizeFuncOptions().dim(1));
    const torch::Tensor s = e.matmul(e.t());
    EXPECT_EQ(cluster_order(s), brute_force_order(s)) << n << " images";
    // Similarities on a coarse grid: many exactly equal distances, where
    // only the tie rule decides.
    const torch::Tensor coarse = (s * 4).round() / 4;
    EXPECT_EQ(cluster_order(coarse), brute_force_order(coarse)) << n << " images, with ties";
  }
}

TEST(ClusterOrder, BreaksTiesByIndexSoEqualSimilaritiesKeepTheImageOrder) {
  std::vector<int64_t> identity(6);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(cluster_order(torch::full({6, 6}, 0.3)), identity);
  // Two blocks with identical entries: 0, 2, 4 and 1, 3, 5.
  const torch::Tensor s = block_similarity({0, 1, 0, 1, 0, 1}, 0).round();  // 1 or 0
  EXPECT_EQ(cluster_order(s), (std::vector<int64_t>{0, 2, 4, 1, 3, 5}));
}

TEST(ClusterOrder, UsesTheSymmetricPartOfAnAsymmetricMatrix) {
  torch::manual_seed(4);
  const torch::Tensor s = torch::rand({12, 12}, torch::kDouble);
  EXPECT_EQ(cluster_order(s), cluster_order((s + s.t()) / 2));
}

TEST(ClusterOrder, OrdersAThousandImagesIntoAPermutation) {
  std::vector<int64_t> block_of(1000);
  for (std::size_t i = 0; i < block_of.size(); ++i)
    block_of[i] = static_cast<int64_t>(i * 7919 % 10);
  const torch::Tensor s = block_similarity(block_of, 2);
  // Its speed is `neuroreg neural bench`'s business.
  std::vector<int64_t> order = cluster_order(s);
  std::sort(order.begin(), order.end());
  std::vector<int64_t> identity(1000);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(order, identity);
}

TEST(ClusterOrder, HandlesZeroAndOneImages) {
  EXPECT_TRUE(cluster_order(torch::zeros({0, 0})).empty());
  EXPECT_EQ(cluster_order(torch::ones({1, 1})), (std::vector<int64_t>{0}));
}

TEST(ClusterOrder, RejectsANonSquareOrNonFiniteMatrix) {
  try {
    cluster_order(torch::zeros({3, 4}));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[3, 4]"), std::string::npos) << e.what();
  }
  torch::Tensor s = torch::eye(3);
  s[0][2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(cluster_order(s), std::invalid_argument);
}

}  // namespace
}  // namespace neuroreg
