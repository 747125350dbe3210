// Evaluation configs: strict keys, grids expanded into variants.
#include "robustness/eval_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

absl::StatusOr<EvalConfig> load(const testing::TempDir& dir, const std::string& text) {
  const std::string path = dir.file("eval.toml");
  std::ofstream(path) << text;
  return load_eval_config(path, testing::builtin_registry());
}

TEST(EvalConfig, ExpandsAGridIntoOneLabelledVariantPerCombination) {
  testing::TempDir dir;
  auto config = load(dir, R"([eval]
samples = 10

[[attack]]
name = "pgd_linf"
restarts = 3
[attack.grid]
steps = [10, 50]
abs_stepsize = [0.001, 0.01]

[[attack]]
name = "fgsm"
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->eval.get_int("samples"), 10);
  EXPECT_EQ(config->eval.get_int("batch_size"), 250);
  ASSERT_EQ(config->attacks.size(), 5u);
  EXPECT_EQ(config->attacks[0].label, "pgd_linf[abs_stepsize=0.001, steps=10]");
  EXPECT_EQ(config->attacks[3].label, "pgd_linf[abs_stepsize=0.01, steps=50]");
  EXPECT_EQ(config->attacks[3].options.get_int("steps"), 50);
  EXPECT_EQ(config->attacks[3].options.get_int("restarts"), 3);
  EXPECT_EQ(config->attacks[4].label, "fgsm");
  EXPECT_EQ(config->attacks[4].options.get_int("search_steps"), 20);
  EXPECT_NE(config->effective_toml().find("label = \"pgd_linf[abs_stepsize=0.01, steps=10]\""),
            std::string::npos);
}

TEST(EvalConfig, NamesTheFileLineAndKeyOfAnUnknownGridKey) {
  testing::TempDir dir;
  auto config = load(dir, "[[attack]]\nname = \"fgsm\"\n[attack.grid]\nstepz = [1, 2]\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(std::string(config.status().message()).find("eval.toml:"), std::string::npos);
  EXPECT_NE(std::string(config.status().message()).find("unknown key 'stepz'"), std::string::npos)
      << config.status();
}

TEST(EvalConfig, RefusesAKeySetBothDirectlyAndInTheGrid) {
  testing::TempDir dir;
  auto config =
      load(dir, "[[attack]]\nname = \"pgd_linf\"\nsteps = 5\n[attack.grid]\nsteps = [1]\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(std::string(config.status().message())
                .find("[[attack]] #1 key 'steps' is set both directly and in the grid"),
            std::string::npos)
      << config.status();
}

TEST(EvalConfig, ListsTheRegisteredAttacksForAnUnknownOne) {
  testing::TempDir dir;
  auto config = load(dir, "[[attack]]\nname = \"deepfool\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(std::string(config.status().message()).find("unknown attack 'deepfool'; registered: "),
            std::string::npos)
      << config.status();
  EXPECT_NE(std::string(config.status().message()).find("pgd_linf"), std::string::npos);
}

TEST(EvalConfig, RefusesSeveritiesOutsideOneToFive) {
  testing::TempDir dir;
  auto config = load(dir, "[eval]\nseverities = [0, 3]\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            dir.file("eval.toml") + ":2:14: [eval] key 'severities' item 1 must be 1..5, got 0");
}

}  // namespace
}  // namespace neuroreg
