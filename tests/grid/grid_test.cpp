// Grid expansion: cells, labels, groups, stable ids, and errors that name the
// file, line, column and path, or the override; the [compare] section beside
// [grid]: its baseline, strict keys, overrides, and no part of any identity.
#include "grid/grid.h"

#include <neuroreg/sdk/atomic_file.h>

#include <gtest/gtest.h>

#include <fstream>

#include "grid/compare_section.h"
#include "support/builtin_plugins.h"
#include "support/cli_runner.h"
#include "support/grid_configs.h"

namespace neuroreg {
namespace {

// The grid tests' config, whose line numbers the errors below name.
const std::string kBase = testing::SmallGrid().toml();

struct Loaded {
  absl::StatusOr<Grid> grid;
  std::string path;
};

Loaded load(const testing::TempDir& dir, const std::string& extra,
            const std::vector<std::string>& overrides = {}, const std::string& base = kBase) {
  const std::string path = dir.file("grid.toml");
  std::ofstream(path) << base << extra;
  // The loader only serves [run] plugin_paths, which these configs do not use.
  Registry unused;
  PluginLoader loader(unused);
  return {load_grid(path, overrides, loader, testing::builtin_registry()), path};
}

std::vector<std::string> labels(const Grid& grid) {
  std::vector<std::string> out;
  for (const GridCell& c : grid.cells) out.push_back(c.label);
  return out;
}

TEST(Grid, WithoutAGridTableEachRegularizerIsOneCell) {
  testing::TempDir dir;
  auto [grid, path] = load(dir, "");
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_EQ(labels(*grid), (std::vector<std::string>{"none-seed0", "pixel-seed0"}));
  EXPECT_EQ(grid->cells[1].group, "pixel");
  EXPECT_EQ(grid->run_dir, "OUT/g");
  ASSERT_EQ(grid->cells[1].config.regularizers.size(), 1u);
  EXPECT_EQ(grid->cells[1].config.regularizers[0].name, "pixel");
}

TEST(Grid, SeedsAndSelectedAxesExpandSeedMajor) {
  testing::TempDir dir;
  auto [grid, path] = load(dir, "\n[grid]\nseed = [0, 1]\n\"regularizer[pixel].alpha\" = [2, 8]\n");
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_EQ(labels(*grid),
            (std::vector<std::string>{"none-seed0", "pixel-alpha2-seed0", "pixel-alpha8-seed0",
                                      "none-seed1", "pixel-alpha2-seed1", "pixel-alpha8-seed1"}));
  const GridCell& c = grid->cells[5];
  EXPECT_EQ(c.index, 5);
  EXPECT_EQ(c.group, "pixel-alpha8");
  EXPECT_EQ(c.seed, 1);
  EXPECT_EQ(c.config.run.get_int("seed"), 1);
  EXPECT_DOUBLE_EQ(c.config.regularizers[0].options.get_float("alpha"), 8.0);
  EXPECT_EQ(c.axes, (std::vector<std::pair<std::string, std::string>>{
                        {"regularizer[pixel].alpha", "8"}, {"run.seed", "1"}}));
  EXPECT_EQ(grid->axis_paths, (std::vector<std::string>{"regularizer[pixel].alpha", "run.seed"}));
  EXPECT_EQ(c.id.substr(0, c.label.size() + 1), c.label + "-");
  EXPECT_EQ(c.id.size(), c.label.size() + 9);
}

TEST(Grid, DottedKeysAndUntargetedRegularizerKeysApplyToEveryEntry) {
  testing::TempDir dir;
  auto [grid, path] = load(dir, "\n[grid]\ntrain.epochs = [1, 3]\nregularizer.alpha = [4]\n");
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_EQ(labels(*grid),
            (std::vector<std::string>{"none-epochs1-seed0", "none-epochs3-seed0",
                                      "pixel-epochs1-seed0", "pixel-epochs3-seed0"}));
  for (const GridCell& c : grid->cells) {
    EXPECT_DOUBLE_EQ(c.config.regularizers[0].options.get_float("alpha"), 4.0) << c.label;
  }
  EXPECT_EQ(grid->cells[1].config.train.get_int("epochs"), 3);
}

TEST(Grid, IdsAreStableAndChangeExactlyWithWhatACellComputes) {
  testing::TempDir dir;
  const std::string id = load(dir, "").grid->cells[1].id;
  EXPECT_EQ(load(dir, "").grid->cells[1].id, id);
  // Threads, device and the run's name cannot change a result: same id.
  EXPECT_EQ(load(dir, "", {"run.threads=2"}).grid->cells[1].id, id);
  EXPECT_EQ(load(dir, "", {"train.log_every=5"}).grid->cells[1].id, id);
  // Anything else is another cell under the same label.
  const GridCell other = load(dir, "", {"train.lr=0.05"}).grid->cells[1];
  EXPECT_EQ(other.label, "pixel-seed0");
  EXPECT_NE(other.id, id);
  EXPECT_NE(load(dir, "", {"regularizer[pixel].clamp_epsilon=0.01"}).grid->cells[1].id, id);
}

TEST(Grid, OverridesSetValuesMakeAxesAndReplaceGridAxes) {
  testing::TempDir dir;
  auto [grid, path] = load(dir, "\n[grid]\nseed = [0, 1, 2]\n",
                           {"train.epochs=3", "run.seed=4,5", "regularizer[pixel].alpha=2,8",
                            "regularizer[pixel].taps=[stem,group1]"});
  ASSERT_TRUE(grid.ok()) << grid.status();
  ASSERT_EQ(grid->cells.size(), 6u);
  EXPECT_EQ(grid->cells[0].label, "none-seed4");
  EXPECT_EQ(grid->cells[5].label, "pixel-alpha8-seed5");
  EXPECT_EQ(grid->cells[5].config.train.get_int("epochs"), 3);
  // One value of the comparison folder's name or place is a plain setting.
  auto moved = load(dir, "", {"run.output_dir=elsewhere", "run.name=other"}).grid;
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->run_dir, "elsewhere/other");
  EXPECT_EQ(grid->cells[5].config.regularizers[0].options.get_string_list("taps"),
            (std::vector<std::string>{"stem", "group1"}));
}

TEST(Grid, ErrorsNameTheFileLineColumnAndPath) {
  testing::TempDir dir;
  auto expect_error = [&](const std::string& extra, const std::vector<std::string>& overrides,
                          const std::string& wanted) {
    auto [grid, path] = load(dir, extra, overrides);
    ASSERT_FALSE(grid.ok()) << extra;
    std::string message(grid.status().message());
    std::string expected = wanted;
    if (auto p = expected.find("PATH"); p != std::string::npos) expected.replace(p, 4, path);
    EXPECT_NE(message.find(expected), std::string::npos) << message << "\nwanted: " << expected;
  };
  expect_error("\n[grid]\ntrain.epochz = [1, 2]\n", {}, "PATH:28:7: [grid] 'train.epochz' = 1: ");
  expect_error("\n[grid]\ntrain.epochz = [1, 2]\n", {}, "[train] unknown key 'epochz'");
  expect_error("\n[grid]\ntrain.epochs = [1, \"two\"]\n", {},
               "[grid] 'train.epochs' = two: PATH: [train] key 'epochs' must be an integer");
  expect_error("\n[grid]\nmodel.width = [1]\n", {},
               "PATH:28:7: [grid] 'model.width': unknown section 'model'");
  expect_error("\n[grid]\nepochs = 3\n", {}, "PATH:28:1: [grid] 'epochs' must be a non-empty list");
  expect_error("", {"regularizer[pixle].alpha=2"},
               "override 'regularizer[pixle].alpha=2': no [[regularizer]] is labelled 'pixle'; "
               "labels: none, pixel");
  expect_error(
      "", {"train.momentum=fast"},
      "override 'train.momentum=fast' = fast: PATH: [train] key 'momentum' must be a number");
  expect_error("", {"run.name=a,b"}, "run.name cannot vary");
  expect_error("", {"run.threads=1,2"}, "would train the same model");
  // Run names and labels become folders inside output_dir, and must stay there.
  expect_error("", {"run.name=../../x"},
               "PATH: [run] name '../../x' cannot name a folder inside output_dir: it starts "
               "with '.'");
  expect_error("", {"run.name=/tmp/x"},
               "PATH: [run] name '/tmp/x' cannot name a folder inside output_dir: it contains "
               "'/'");
  // A label set from outside would leave cells named after the old one.
  expect_error("", {"regularizer[pixel].label=../../x"},
               "override 'regularizer[pixel].label=../../x': a [[regularizer]]'s label names its "
               "cells and cannot be set from a grid or the command line");
  expect_error("", {"regularizer.label=x"}, "label names its cells");
  expect_error("\n[[regularizer]]\nname = \"pixel\"\nlabel = \"a/b\"\n", {},
               "PATH: grid cell 'a/b-seed0' cannot name its run folder 'a/b-seed0-");
  expect_error("\n[[regularizer]]\nname = \"pixel\"\nlabel = \"" + std::string(300, 'x') + "\"\n",
               {}, "bytes long (at most 200); choose another [[regularizer]] label");
}

TEST(CompareSection, DefaultBaselineIsTheOneNoneRegularizer) {
  testing::TempDir dir;
  auto grid = load(dir, "").grid;
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_EQ(grid->baseline.label, "none");
  EXPECT_TRUE(grid->baseline.reason.empty());
}

TEST(CompareSection, BaselineKeyAndOverridePickALabel) {
  testing::TempDir dir;
  auto set = load(dir, "\n[compare]\nbaseline = \"pixel\"\n").grid;
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->baseline.label, "pixel");
  auto overridden =
      load(dir, "\n[compare]\nbaseline = \"pixel\"\n", {"compare.baseline=none"}).grid;
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  EXPECT_EQ(overridden->baseline.label, "none");
}

TEST(CompareSection, TheBaselineMayBeOneGroupOfALabel) {
  testing::TempDir dir;
  const std::string sweep = "\n[grid]\n\"regularizer[pixel].alpha\" = [2, 8]\n";
  auto group = load(dir, sweep, {"compare.baseline=pixel-alpha2"}).grid;
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(group->baseline.label, "pixel-alpha2");
  auto unknown = load(dir, sweep, {"compare.baseline=pixel-alpha4"}).grid;
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message())
                .find("'pixel-alpha4' is no [[regularizer]] label; labels: none, pixel; groups: "
                      "pixel-alpha2, pixel-alpha8"),
            std::string::npos)
      << unknown.status();
}

TEST(CompareSection, WithoutANoneRegularizerThereIsNoBaselineAndTheReasonSaysWhy) {
  testing::TempDir dir;
  std::string base = kBase;
  base.replace(base.find("name = \"none\""), 13, "name = \"pixel\"\nlabel = \"pixel-b\"");
  auto grid = load(dir, "", {}, base).grid;
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_EQ(grid->baseline.label, "");
  EXPECT_EQ(grid->baseline.reason,
            "no baseline: no [[regularizer]] is `none` and [compare] baseline is not set");
}

TEST(CompareSection, AnUnknownLabelOrKeyIsAnErrorNamingIt) {
  testing::TempDir dir;
  auto label = load(dir, "\n[compare]\nbaseline = \"vgg\"\n").grid;
  ASSERT_FALSE(label.ok());
  const std::string message(label.status().message());
  EXPECT_NE(message.find("grid.toml:28:1: [compare] baseline 'vgg' is no [[regularizer]] label; "
                         "labels: none, pixel"),
            std::string::npos)
      << message;
  auto key = load(dir, "\n[compare]\nbasline = \"none\"\n").grid;
  ASSERT_FALSE(key.ok());
  EXPECT_NE(std::string(key.status().message()).find("grid.toml:28:1"), std::string::npos)
      << key.status();
  EXPECT_NE(std::string(key.status().message()).find("basline"), std::string::npos);
  auto override_label = load(dir, "", {"compare.baseline=vgg"}).grid;
  ASSERT_FALSE(override_label.ok());
  EXPECT_NE(std::string(override_label.status().message()).find("'vgg'"), std::string::npos);
  auto override_key = load(dir, "", {"compare.reference=none"}).grid;
  ASSERT_FALSE(override_key.ok());
  EXPECT_NE(std::string(override_key.status().message())
                .find("override 'compare.reference=none': unknown key 'reference' in [compare]"),
            std::string::npos)
      << override_key.status();
  auto two = load(dir, "", {"compare.baseline=none,pixel"}).grid;
  ASSERT_FALSE(two.ok());
  EXPECT_NE(std::string(two.status().message()).find("takes one value"), std::string::npos);
}

TEST(CompareSection, IsNoPartOfAnyCellsIdentity) {
  testing::TempDir dir;
  auto plain = load(dir, "").grid;
  auto other = load(dir, "\n[compare]\nbaseline = \"pixel\"\n").grid;
  ASSERT_TRUE(plain.ok() && other.ok());
  ASSERT_EQ(plain->cells.size(), other->cells.size());
  for (std::size_t i = 0; i < plain->cells.size(); ++i) {
    EXPECT_EQ(plain->cells[i].id, other->cells[i].id);
    EXPECT_EQ(plain->cells[i].identity.find("compare"), std::string::npos);
  }
}

TEST(CompareSection, SettingsFileRoundTrips) {
  testing::TempDir dir;
  sdk::write_file_atomically(dir.file(kCompareSettingsFile), compare_settings_toml({"none", ""}));
  EXPECT_EQ(read_compare_settings(dir.path(), {}).label, "none");
  sdk::write_file_atomically(
      dir.file(kCompareSettingsFile),
      compare_settings_toml({"", "no baseline: no [[regularizer]] is `none` and [compare] "
                                 "baseline is not set"}));
  const Baseline none = read_compare_settings(dir.path(), {});
  EXPECT_EQ(none.label, "");
  EXPECT_NE(none.reason.find("no [[regularizer]] is `none`"), std::string::npos);
}

TEST(Cli, FlagsACommandDoesNotReadAreErrors) {
  testing::TempDir dir;
  const std::string path = dir.file("grid.toml");
  std::ofstream(path) << kBase;
  std::string out, err;
  EXPECT_EQ(testing::cli({"compare", path, "--seed", "7"}, &out, &err), 2);
  EXPECT_NE(err.find("'compare' does not take --seed"), std::string::npos) << err;
  EXPECT_NE(err.find("run.seed=0,1,2"), std::string::npos) << err;
  EXPECT_EQ(testing::cli({"compare", path, "--epochs", "3"}, &out, &err), 2);
  EXPECT_NE(err.find("write train.epochs=3"), std::string::npos) << err;
  EXPECT_EQ(testing::cli({"plugins", "train.epochs=3"}, &out, &err), 2);
  EXPECT_NE(err.find("'plugins' takes no KEY=VALUE overrides"), std::string::npos) << err;
  EXPECT_EQ(testing::cli({"compare", path, "--resume"}, &out, &err), 2);
}

TEST(Cli, ConfigCheckExpandsTheGridAndCountsCells) {
  testing::TempDir dir;
  const std::string path = dir.file("grid.toml");
  std::ofstream(path) << kBase << "\n[grid]\nseed = [0, 1, 2]\n";
  std::string out, err;
  ASSERT_EQ(testing::cli({"config", "check", path, "regularizer[pixel].alpha=2,8"}, &out, &err), 0)
      << err;
  EXPECT_NE(out.find(": ok (9 cells: regularizers × regularizer[pixel].alpha × run.seed)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  pixel-alpha8-seed2-"), std::string::npos) << out;
  EXPECT_EQ(testing::cli({"config", "check", path, "train.epochs=x"}, &out, &err), 1);
  EXPECT_NE(err.find("override 'train.epochs=x'"), std::string::npos) << err;
}

}  // namespace
}  // namespace neuroreg
