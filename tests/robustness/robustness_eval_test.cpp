// The whole evaluation of one model: noise, corruptions, attacks, and the
// per-norm minimum over attacks with who found it.
#include "robustness/robustness_eval.h"

#include <absl/strings/str_format.h>
#include <absl/strings/str_replace.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "record/record_io.h"
#include "robustness/robustness_report.h"
#include "support/builtin_plugins.h"
#include "support/linear_backbone.h"
#include "support/small_cnn.h"

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

TEST(RobustnessEval, BoundaryAttacksRunLastAndStartFromTheClosestAdversarialFound) {
  testing::TempDir dir;
  const testing::CnnTask task = testing::trained_cnn_task(24, 4, 8);
  // Listed first, run last: Brendel & Bethge after DDN, handed DDN's results.
  const std::string attacks = R"(
[[attack]]
name = "brendel_bethge_l2"
steps = 20
restarts = 1

[[attack]]
name = "ddn"
steps = 30
)";
  const std::string head = "[eval]\nsamples = 24\nnoise_sigmas = []\ncorruptions = []\n";
  std::ostringstream log;
  const record::RobustnessRecord seeded =
      evaluate_robustness(*task.model, {task.images, task.labels}, config_of(dir, head + attacks),
                          testing::builtin_registry(), torch::kCPU, log);
  ASSERT_EQ(seeded.attacks_size(), 2);
  const record::AttackVariant& bb = seeded.attacks(0);
  const record::AttackVariant& ddn = seeded.attacks(1);
  EXPECT_EQ(bb.attack(), "brendel_bethge_l2");  // the record keeps config order
  EXPECT_LT(log.str().find("ddn"), log.str().find("brendel_bethge_l2"));
  int attacked = 0, found_by_ddn = 0;
  for (int i = 0; i < 24; ++i) {
    if (seeded.norms(0).found_by(i) == -1) continue;
    ++attacked;
    found_by_ddn += std::isfinite(ddn.distances(i));
    // From DDN's adversarial pulled back to the boundary, it can only get closer.
    EXPECT_LE(bb.distances(i), ddn.distances(i) * (1 + 1e-6)) << "sample " << i;
    EXPECT_EQ(seeded.norms(0).distances(i), std::min(bb.distances(i), ddn.distances(i)));
  }
  ASSERT_GT(attacked, 20);
  EXPECT_EQ(bb.seeded_samples(), found_by_ddn);
  EXPECT_EQ(ddn.seeded_samples(), 0);
  EXPECT_NE(log.str().find(absl::StrFormat("%d started from an earlier attack", found_by_ddn)),
            std::string::npos)
      << log.str();

  // start = "noise": the same attack from noise, handed nothing.
  const record::RobustnessRecord from_noise = evaluate_robustness(
      *task.model, {task.images, task.labels},
      config_of(dir, head + absl::StrReplaceAll(
                                attacks, {{"restarts = 1", "restarts = 1\nstart = \"noise\""}})),
      testing::builtin_registry(), torch::kCPU, log);
  EXPECT_EQ(from_noise.attacks(0).seeded_samples(), 0);
  int differ = 0;
  for (int i = 0; i < 24; ++i) differ += from_noise.attacks(0).distances(i) != bb.distances(i);
  EXPECT_GT(differ, 0);
}

TEST(RobustnessEval, TargetedAutoPgdNeedsAClassToTargetAndSaysSo) {
  const testing::CnnTask task = testing::trained_cnn_task(8, 4, 8);
  const Registry& registry = testing::builtin_registry();
  const AttackVariantConfig variant =
      default_attack_variant(registry, "apgd_dlr_linf", {{"targets", int64_t{4}}});
  std::ostringstream log;
  try {
    run_attack_variant(*task.model, variant, 0, task.images, task.labels,
                       torch::ones({8}, torch::kBool), 8, 0, registry, log);
    FAIL() << "4 targets of a 4-class model were accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("apgd_dlr_linf: targets = 4 needs at least 5 classes; "
                                         "the model has 4"),
              std::string::npos)
        << e.what();
  }
}

TEST(RobustnessEval, RunOrderPutsAttacksTakingStartsLastKeepingConfigOrder) {
  sdk::AttackTraits plain, takes;
  takes.takes_starting_points = true;
  EXPECT_EQ(attack_run_order({takes, plain, takes, plain}), (std::vector<size_t>{1, 3, 0, 2}));
  EXPECT_EQ(attack_run_order({plain, plain}), (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(attack_run_order({}).empty());
}

TEST(RobustnessReport, RatesHaveThreeSignificantDigitsAndNoExponent) {
  EXPECT_EQ(three_significant_digits(9.7), "9.70");
  EXPECT_EQ(three_significant_digits(0.0456), "0.0456");
  EXPECT_EQ(three_significant_digits(0.000123456), "0.000123");
  EXPECT_EQ(three_significant_digits(123.4), "123");
  EXPECT_EQ(three_significant_digits(4567.8), "4568");
  EXPECT_EQ(three_significant_digits(9.996), "10.0");
  EXPECT_EQ(three_significant_digits(0.0), "0");
}

TEST(RobustnessReport, SideBySideTableSaysWhichAttackSuppliedEachMinimum) {
  auto model = [](const std::string& label, std::vector<int> found_by) {
    record::RobustnessRecord r;
    r.set_label(label);
    for (const char* a : {"ddn", "brendel_bethge_l2 lr=0.01", "pgd_linf"}) {
      auto* v = r.add_attacks();
      v->set_label(a);
      v->set_norm(std::string(a) == "pgd_linf" ? "Linf" : "L2");
    }
    auto* n = r.add_norms();
    n->set_norm("L2");
    for (int f : found_by) {
      n->add_found_by(f);
      n->add_distances(f == -2 ? HUGE_VAL : 0.5);
      r.add_samples(0);
    }
    return r;
  };
  // none: 3 of 4 attacked by DDN (one misclassified); pixel: one not found.
  const std::string table = format_robustness_comparison(
      {model("none", {0, 0, 1, -1, 0}), model("pixel", {1, 1, 0, -2})});
  EXPECT_NE(table.find("L2 minima supplied, % of the attacked samples"), std::string::npos)
      << table;
  EXPECT_NE(table.find("ddn                          75.0%    25.0%"), std::string::npos) << table;
  EXPECT_NE(table.find("brendel_bethge_l2 lr=0.01    25.0%    50.0%"), std::string::npos) << table;
  EXPECT_NE(table.find("none found                    0.0%    25.0%"), std::string::npos) << table;
  EXPECT_EQ(table.find("pgd_linf  "), std::string::npos) << "an L∞ attack in the L2 rows";
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
