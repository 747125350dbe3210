// The [compare] section: the baseline it names or its default, strict keys,
// overrides, errors that name the value and the labels there are, and no
// part of any cell's identity.
#include "experiment/compare_section.h"

#include <gtest/gtest.h>

#include <neuroreg/sdk/atomic_file.h>

#include <fstream>

#include "experiment/grid.h"
#include "support/builtin_plugins.h"
#include "support/cli_runner.h"

namespace neuroreg {
namespace {

const char* kBase = R"([run]
name = "g"
output_dir = "OUT"
threads = 1

[dataset]
name = "synthetic"
test_size = 32

[backbone]
name = "resnet18"
width = 2

[train]
epochs = 1

[[regularizer]]
name = "none"
label = "plain"

[[regularizer]]
name = "pixel"
alpha = 2
)";

absl::StatusOr<Grid> load(const testing::TempDir& dir, const std::string& base,
                          const std::string& extra, const std::vector<std::string>& overrides = {}) {
  const std::string path = dir.file("grid.toml");
  std::ofstream(path) << base << extra;
  Registry unused;
  PluginLoader loader(unused);
  return load_grid(path, overrides, loader, testing::builtin_registry());
}

TEST(CompareSection, DefaultBaselineIsTheOneNoneRegularizerByItsLabel) {
  testing::TempDir dir;
  auto grid = load(dir, kBase, "");
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_EQ(grid->baseline.label, "plain");
  EXPECT_TRUE(grid->baseline.reason.empty());
}

TEST(CompareSection, BaselineKeyAndOverridePickALabel) {
  testing::TempDir dir;
  auto set = load(dir, kBase, "\n[compare]\nbaseline = \"pixel\"\n");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->baseline.label, "pixel");
  auto overridden = load(dir, kBase, "\n[compare]\nbaseline = \"pixel\"\n", {"compare.baseline=plain"});
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  EXPECT_EQ(overridden->baseline.label, "plain");
}

TEST(CompareSection, WithoutANoneRegularizerThereIsNoBaselineAndTheReasonSaysWhy) {
  testing::TempDir dir;
  std::string base = kBase;
  base.replace(base.find("name = \"none\""), 13, "name = \"pixel\"");
  auto grid = load(dir, base, "");
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_EQ(grid->baseline.label, "");
  EXPECT_EQ(grid->baseline.reason,
            "no baseline: no [[regularizer]] is `none` and [compare] baseline is not set");
}

TEST(CompareSection, AnUnknownLabelOrKeyIsAnErrorNamingIt) {
  testing::TempDir dir;
  auto label = load(dir, kBase, "\n[compare]\nbaseline = \"vgg\"\n");
  ASSERT_FALSE(label.ok());
  const std::string message(label.status().message());
  EXPECT_NE(message.find("grid.toml:26:12: [compare] baseline 'vgg' is no [[regularizer]] label; "
                         "labels: plain, pixel"),
            std::string::npos)
      << message;
  auto key = load(dir, kBase, "\n[compare]\nbasline = \"plain\"\n");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(std::string(key.status().message()).find("grid.toml:26:1"), std::string::npos)
      << key.status();
  EXPECT_NE(std::string(key.status().message()).find("basline"), std::string::npos);
  auto override_label = load(dir, kBase, "", {"compare.baseline=vgg"});
  ASSERT_FALSE(override_label.ok());
  EXPECT_NE(std::string(override_label.status().message()).find("'vgg'"), std::string::npos);
  auto override_key = load(dir, kBase, "", {"compare.reference=plain"});
  ASSERT_FALSE(override_key.ok());
  EXPECT_NE(std::string(override_key.status().message())
                .find("override 'compare.reference=plain': unknown key 'reference' in [compare]"),
            std::string::npos)
      << override_key.status();
  auto two = load(dir, kBase, "", {"compare.baseline=plain,pixel"});
  ASSERT_FALSE(two.ok());
  EXPECT_NE(std::string(two.status().message()).find("takes one value"), std::string::npos);
}

TEST(CompareSection, IsNoPartOfAnyCellsIdentity) {
  testing::TempDir dir;
  auto plain = load(dir, kBase, "");
  auto other = load(dir, kBase, "\n[compare]\nbaseline = \"pixel\"\n");
  ASSERT_TRUE(plain.ok() && other.ok());
  ASSERT_EQ(plain->cells.size(), other->cells.size());
  for (std::size_t i = 0; i < plain->cells.size(); ++i) {
    EXPECT_EQ(plain->cells[i].id, other->cells[i].id);
    EXPECT_EQ(plain->cells[i].identity.find("compare"), std::string::npos);
  }
}

TEST(CompareSection, SettingsFileRoundTrips) {
  testing::TempDir dir;
  sdk::write_file_atomically(dir.file(kCompareSettingsFile), compare_settings_toml({"plain", ""}));
  EXPECT_EQ(read_compare_settings(dir.path(), {}).label, "plain");
  sdk::write_file_atomically(
      dir.file(kCompareSettingsFile),
      compare_settings_toml({"", "no baseline: no [[regularizer]] is `none` and [compare] "
                                 "baseline is not set"}));
  const Baseline none = read_compare_settings(dir.path(), {});
  EXPECT_EQ(none.label, "");
  EXPECT_NE(none.reason.find("no [[regularizer]] is `none`"), std::string::npos);
}

}  // namespace
}  // namespace neuroreg
