// Simulated scans: the paper's design in the Sensorium layout, with a truth.
#include "neural/simulated_scans.h"

#include <gtest/gtest.h>
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "neural/neural_report.h"
#include "neural/neural_targets.h"
#include "neural/recordings.h"
#include "support/builtin_plugins.h"
#include "support/tiny_scans.h"

namespace neuroreg {
namespace {

std::vector<std::string> simulate(const std::string& dir, int64_t unique, int64_t oracle,
                                  int64_t repeats, int64_t neurons, double peak_rate,
                                  std::ostream& log) {
  return testing::simulate_tiny_scans(dir, unique, oracle, repeats, neurons, peak_rate, log);
}

TEST(SimulatedScans, FollowThePapersDesignAndCarryTheirTruth) {
  testing::TempDir dir;
  std::ostringstream log;
  const std::vector<std::string> scans = simulate(dir.path(), 20, 3, 4, 30, 2.0, log);
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

TEST(NeuralTargets, AverageScansIntoAValidDataTargetAndScoreItAgainstTheTruth) {
  testing::TempDir dir;
  std::ostringstream log;
  const std::vector<std::string> scans = simulate(dir.file("rec"), 30, 8, 5, 60, 1.0, log);

  TargetReport report;
  const NeuralTargets targets = neural_targets(scans, {}, report, log);
  EXPECT_FALSE(targets.model.embeddings.defined());  // no models, no neural_model
  const sdk::SimilarityTarget& target = targets.data;
  sdk::save_similarity_target(target, dir.file("target"));  // validates: unit rows, shapes
  const sdk::SimilarityTarget back = sdk::load_similarity_target(dir.file("target"));
  // 30 images shown once, then the 8 oracle images, flagged.
  EXPECT_EQ(back.stimuli.sizes(), (std::vector<int64_t>{38, 1, 36, 64}));
  EXPECT_EQ(back.embeddings.sizes(), (std::vector<int64_t>{38, 120}));  // 2 scans × 60 neurons
  EXPECT_EQ(report.oracle_images, 8);
  ASSERT_EQ(back.tiers.size(), 38u);
  EXPECT_EQ(std::count(back.tiers.begin(), back.tiers.end(), "oracle"), 8);
  EXPECT_EQ(std::count(back.tiers.begin(), back.tiers.begin() + 30, "once"), 30);
  // Row k is the image the scan showed under frame_image_id ids[k].
  const Scan scan = read_scan(scans[0]);
  const torch::Tensor frame_ids = scan.frame_image_id;
  for (int64_t k : {0, 17, 29, 30, 37}) {
    const int64_t id = back.ids[k].item<int64_t>();
    const int64_t trial = (frame_ids == id).nonzero()[0][0].item<int64_t>();
    torch::Tensor image = (scan.images[trial].unsqueeze(0) / 255.0).clamp(0, 1);
    if (image.size(2) == 144) image = torch::avg_pool2d(image, 4);
    EXPECT_TRUE(torch::allclose(back.stimuli[k], image[0], 1e-6, 1e-6)) << "row " << k;
    const bool oracle = (frame_ids == id).sum().item<int64_t>() > 1;
    EXPECT_EQ(back.tiers[static_cast<size_t>(k)], oracle ? "oracle" : "once") << "row " << k;
  }
  EXPECT_EQ(report.repeats, 5);
  // Single trials are noisy, repeat averages less so.
  EXPECT_GT(report.r_data_oracle, 0.0);
  EXPECT_LT(report.r_data_oracle, 1.0);
  EXPECT_GT(report.r_oracle_truth, report.r_data_truth);
  // Leave-one-out drops each trial's share of its own reference: lower, as in Fig. 1D.
  EXPECT_GT(report.r_data_oracle_loo, -1.0);
  EXPECT_LT(report.r_data_oracle_loo, report.r_data_oracle);
  const std::string text = format_target_report(report);
  EXPECT_NE(text.find("paper (Li et al., Fig. 1D)          0.390              -"),
            std::string::npos)
      << text;
  EXPECT_GT(report.r_target_data_truth, 0.0);
  EXPECT_LT(report.r_target_data_truth, 1.0);
  EXPECT_NE(back.provenance.find("averaged over 2 scans"), std::string::npos);
}

}  // namespace
}  // namespace neuroreg
