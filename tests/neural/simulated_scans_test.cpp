// Simulated scans: the paper's design in the Sensorium layout, with a truth.
#include "neural/simulated_scans.h"

#include <gtest/gtest.h>
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "neural/data_target.h"
#include "neural/recordings.h"
#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

TEST(SimulatedScans, FollowThePapersDesignAndCarryTheirTruth) {
  testing::TempDir dir;
  ScanSimulation sim;
  sim.animals = 1;
  sim.scans_per_animal = 2;
  sim.unique_images = 20;
  sim.oracle_images = 3;
  sim.repeats = 4;
  sim.v1.neurons = 30;
  sim.v1.mean_peak_rate = 2.0;
  torch::manual_seed(0);
  const torch::Tensor images = torch::avg_pool2d(torch::rand({23, 1, 36, 64}), 3, 1, 1);
  std::ostringstream log;
  const std::vector<std::string> scans = simulate_scans(images, sim, dir.path(), log);
  ASSERT_EQ(scans.size(), 2u);

  const Scan a = read_scan(scans[0]);
  const Scan b = read_scan(scans[1]);
  ASSERT_EQ(a.trials(), 20 + 3 * 4);
  std::map<std::string, int> tiers;
  for (const std::string& t : a.tiers) ++tiers[t];
  EXPECT_EQ(tiers["test"], 12);
  EXPECT_EQ(tiers["validation"], 2);
  EXPECT_EQ(tiers["train"], 18);
  // The oracle trials are 3 images shown 4 times each.
  std::map<int64_t, int> repeats;
  for (int64_t t = 0; t < a.trials(); ++t) {
    if (a.tiers[t] == "test") ++repeats[a.frame_image_id[t].item<int64_t>()];
  }
  EXPECT_EQ(repeats.size(), 3u);
  for (const auto& [id, count] : repeats) EXPECT_EQ(count, 4) << id;
  // Same images, other neurons, another order.
  EXPECT_FALSE(a.unit_ids.equal(b.unit_ids));
  EXPECT_FALSE(a.frame_image_id.equal(b.frame_image_id));
  EXPECT_EQ(a.images.max().item<float>() > 1.0f, true);  // stored as 0..255

  const torch::Tensor truth = sdk::read_npy(scans[0] + "/truth/responses.npy");
  ASSERT_EQ(truth.sizes(), a.responses.sizes());
  // Poisson trials scatter around the truth: counts agree on average, and
  // trials follow the truth across neurons and trials.
  const double mean_truth = truth.mean().item<double>();
  EXPECT_NEAR(a.responses.mean().item<double>(), mean_truth, 0.25 * mean_truth);
  const torch::Tensor x = truth.flatten() - truth.mean(),
                      y = a.responses.flatten() - a.responses.mean();
  EXPECT_GT((x.dot(y) / (x.norm() * y.norm())).item<double>(), 0.3);
  EXPECT_NE(log.str().find("animal1-scan2"), std::string::npos);
}

}  // namespace
}  // namespace neuroreg

namespace neuroreg {
namespace {

TEST(DataTarget, AveragesScansIntoAValidTargetAndScoresItAgainstTheTruth) {
  testing::TempDir dir;
  ScanSimulation sim;
  sim.animals = 1;
  sim.scans_per_animal = 2;
  sim.unique_images = 30;
  sim.oracle_images = 8;
  sim.repeats = 5;
  sim.v1.neurons = 60;
  sim.v1.mean_peak_rate = 1.0;
  torch::manual_seed(1);
  const torch::Tensor images = torch::avg_pool2d(torch::rand({38, 1, 36, 64}), 3, 1, 1);
  std::ostringstream log;
  const std::vector<std::string> scans = simulate_scans(images, sim, dir.file("rec"), log);

  DataTargetReport report;
  sdk::SimilarityTarget target = data_target(scans, report);
  sdk::save_similarity_target(target, dir.file("target"));  // validates: unit rows, shapes
  const sdk::SimilarityTarget back = sdk::load_similarity_target(dir.file("target"));
  EXPECT_EQ(back.stimuli.sizes(), (std::vector<int64_t>{30, 1, 36, 64}));
  EXPECT_EQ(back.embeddings.sizes(), (std::vector<int64_t>{30, 120}));  // 2 scans × 60 neurons
  EXPECT_EQ(report.oracle_images, 8);
  EXPECT_EQ(report.repeats, 5);
  // Single trials are noisy, repeat averages less so.
  EXPECT_GT(report.r_data_oracle, 0.0);
  EXPECT_LT(report.r_data_oracle, 1.0);
  EXPECT_GT(report.r_oracle_truth, report.r_data_truth);
  EXPECT_NE(back.provenance.find("averaged over 2 scans"), std::string::npos);
}

}  // namespace
}  // namespace neuroreg
