// The whole evaluation of one model: noise, corruptions, attacks, and the
// per-norm minimum over attacks with who found it.
#include "robustness/robustness_eval.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "record/record_io.h"
#include "robustness/robustness_report.h"
#include "support/builtin_plugins.h"
#include "support/linear_backbone.h"

namespace neuroreg {
namespace {

EvalConfig config_of(const testing::TempDir& dir, const std::string& text) {
  const std::string path = dir.file("eval.toml");
  std::ofstream(path) << text;
  auto config = load_eval_config(path, testing::builtin_registry());
  EXPECT_TRUE(config.ok()) << config.status();
  return *config;
}

TEST(RobustnessEval, TakesThePerSampleMinimumOverAttacksOfEachNorm) {
  testing::TempDir dir;
  testing::LinearTask task = testing::trained_linear_task(24, 4, 8);
  // One sample the model gets wrong: it must count as distance 0.
  task.labels[0] = (task.labels[0] + 1) % 4;
  const EvalConfig config = config_of(dir, R"([eval]
samples = 20
noise_sigmas = [0.1]
corruptions = ["contrast", "jpeg_compression"]
severities = [1, 5]

[[attack]]
name = "fgsm"
search_steps = 12

[[attack]]
name = "ddn"

[[attack]]
name = "fgm_l2"
search_steps = 12
)");
  std::ostringstream log;
  const record::RobustnessRecord r =
      evaluate_robustness(*task.model, {task.images, task.labels}, config,
                          testing::builtin_registry(), torch::kCPU, log);

  EXPECT_EQ(r.test_images(), 24);
  ASSERT_EQ(r.noise_size(), 1);
  ASSERT_EQ(r.corruptions_size(), 4);
  EXPECT_EQ(r.corruptions(3).name(), "jpeg_compression");
  EXPECT_EQ(r.corruptions(3).severity(), 5);
  ASSERT_EQ(r.samples_size(), 20);
  // The same samples again for the same split size and seed.
  const torch::Tensor again = attacked_samples(24, 20, 0);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(r.samples(i), again[i].item<int64_t>());

  ASSERT_EQ(r.attacks_size(), 3);
  ASSERT_EQ(r.norms_size(), 2);
  EXPECT_EQ(r.norms(0).norm(), "L2");
  EXPECT_EQ(r.norms(1).norm(), "Linf");
  const record::NormResult& l2 = r.norms(0);
  ASSERT_EQ(l2.distances_size(), 20);
  std::vector<double> distances(l2.distances().begin(), l2.distances().end());
  for (int i = 0; i < 20; ++i) {
    SCOPED_TRACE(i);
    if (r.samples(i) == 0) {
      EXPECT_EQ(l2.found_by(i), -1);
      EXPECT_EQ(l2.distances(i), 0.0);
      continue;
    }
    ASSERT_TRUE(l2.found_by(i) == 1 || l2.found_by(i) == 2);  // ddn or fgm_l2
    EXPECT_EQ(r.attacks(l2.found_by(i)).norm(), "L2");
  }
  EXPECT_DOUBLE_EQ(l2.median(), median_distance(torch::tensor(distances, torch::kDouble)));
  EXPECT_GT(r.attacks(0).checks().returned(), 19 * 12 - 1);  // every search step is checked
  EXPECT_NE(format_robustness(r).find("ddn"), std::string::npos);
  EXPECT_NE(log.str().find("attacks on 20 samples"), std::string::npos);
}

TEST(RobustnessEval, MedianIsNumpysWithInfinityLast) {
  EXPECT_DOUBLE_EQ(median_distance(torch::tensor({3.0, 1.0, 2.0}, torch::kDouble)), 2.0);
  EXPECT_DOUBLE_EQ(median_distance(torch::tensor({4.0, 1.0, 2.0, 3.0}, torch::kDouble)), 2.5);
  EXPECT_TRUE(
      std::isinf(median_distance(torch::tensor({1.0, HUGE_VAL, HUGE_VAL}, torch::kDouble))));
}

TEST(RobustnessReport, RecordsSurviveAWriteAndRead) {
  testing::TempDir dir;
  record::RobustnessRecord r;
  r.set_label("pixel");
  *r.mutable_versions() = current_versions();  // every record written has these
  r.set_started_at(utc_now());
  r.add_norms()->set_norm("L2");
  write_robustness_record(dir.file("r.pb"), r);
  EXPECT_EQ(read_robustness_record(dir.file("r.pb")).norms(0).norm(), "L2");
  write_robustness_record(dir.file("empty.pb"), record::RobustnessRecord());
  EXPECT_THROW(read_robustness_record(dir.file("empty.pb")), std::runtime_error);
  EXPECT_THROW(read_robustness_record(dir.file("missing.pb")), std::runtime_error);
}

}  // namespace
}  // namespace neuroreg
