#include "config/run_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "grid/grid.h"
#include "robustness/eval_config.h"
#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

constexpr const char* kValid = R"([run]
name = "tiny"
seed = 3

[dataset]
name = "synthetic"
train_size = 64

[backbone]
name = "resnet18"
width = 2

[train]
epochs = 1

[[regularizer]]
name = "none"

[[regularizer]]
name = "pixel"
alpha = 4
taps = ["5"]
)";

class RunConfigTest : public ::testing::Test {
 protected:
  // Writes `text` as a config and loads it; returns the error message or "".
  std::string load(const std::string& text, RunConfig* out = nullptr) {
    std::ofstream(path_) << text;
    Registry& registry = const_cast<Registry&>(testing::builtin_registry());
    PluginLoader loader(registry);
    auto config = load_run_config(path_, loader, registry);
    if (!config.ok()) return std::string(config.status().message());
    if (out) *out = *config;
    return "";
  }
  std::string replaced(const std::string& from, const std::string& to) {
    std::string text = kValid;
    text.replace(text.find(from), from.size(), to);
    return text;
  }
  testing::TempDir dir_;
  const std::string path_ = dir_.file("config.toml");
};

TEST_F(RunConfigTest, FillsDefaultsFromHostAndPlugins) {
  RunConfig config;
  ASSERT_EQ(load(kValid, &config), "");
  EXPECT_EQ(config.run.get_string("name"), "tiny");
  EXPECT_EQ(config.run.get_string("device"), "auto");
  EXPECT_EQ(config.train.get_int("batch_size"), 64);
  EXPECT_DOUBLE_EQ(config.train.get_float("lr"), 0.1);
  EXPECT_EQ(config.backbone.options.get_int("width"), 2);
  ASSERT_EQ(config.regularizers.size(), 2u);
  EXPECT_EQ(config.regularizers[0].options.get_string("label"), "none");
  EXPECT_DOUBLE_EQ(config.regularizers[1].options.get_float("alpha"), 4.0);  // integer accepted
  EXPECT_EQ(config.regularizers[1].options.get_string_list("taps"), std::vector<std::string>{"5"});
  EXPECT_TRUE(config.regularizers[1].options.get_bool("train_gamma"));  // plugin default
}

TEST_F(RunConfigTest, EffectiveConfigReadsBackToTheSameValues) {
  RunConfig config;
  ASSERT_EQ(load(kValid, &config), "");
  RunConfig again;
  ASSERT_EQ(load(config.effective_toml(), &again), "");
  EXPECT_EQ(again.effective_toml(), config.effective_toml());

  // Floats read back exactly, at every precision; short ones keep their text.
  ASSERT_EQ(
      load(replaced("epochs = 1", "epochs = 1\nlr = 0.123456789012345\nmomentum = 0.3"), &config),
      "");
  EXPECT_NE(config.effective_toml().find("lr = 0.123456789012345\n"), std::string::npos);
  EXPECT_NE(config.effective_toml().find("momentum = 0.3\n"), std::string::npos);
  ASSERT_EQ(load(config.effective_toml(), &again), "");
  EXPECT_EQ(again.train.get_float("lr"), 0.123456789012345);
}

TEST_F(RunConfigTest, UnknownKeyNamesFileLineColumnAndTheExpectedKeys) {
  std::string error = load(replaced("epochs = 1", "epochs = 1\nlerning_rate = 0.1"));
  EXPECT_EQ(error, path_ +
                       ":15:1: [train] unknown key 'lerning_rate'; expected one of: epochs, "
                       "batch_size, lr, momentum, weight_decay, lr_decay, lr_decay_every, "
                       "lr_resets, log_every");
}

TEST_F(RunConfigTest, UnknownPluginKeyIsAnError) {
  std::string error = load(replaced("width = 2", "width = 2\ndepth = 3"));
  EXPECT_NE(error.find(path_ + ":12:1: [backbone] unknown key 'depth'; expected one of: name"),
            std::string::npos)
      << error;
}

TEST_F(RunConfigTest, WrongTypeNamesKeyAndExpectedType) {
  EXPECT_EQ(load(replaced("epochs = 1", "epochs = \"one\"")),
            path_ + ":14:10: [train] key 'epochs' must be an integer, got a string");
  EXPECT_EQ(load(replaced("taps = [\"5\"]", "taps = [5]")),
            path_ +
                ":22:8: [[regularizer]] #2 key 'taps' must be an array of strings, got an "
                "array of other types");
}

TEST_F(RunConfigTest, NanAndInfinityAreErrorsForEveryNumberKey) {
  EXPECT_EQ(load(replaced("alpha = 4", "alpha = nan")),
            path_ + ":21:9: [[regularizer]] #2 key 'alpha' must be finite, got nan");
  EXPECT_EQ(load(replaced("epochs = 1", "epochs = 1\nlr = -inf")),
            path_ + ":15:6: [train] key 'lr' must be finite, got -inf");
  EXPECT_EQ(load(kValid + std::string("\n[eval]\nnoise_sigmas = [0.1, nan]\n")),
            path_ + ":25:16: [eval] key 'noise_sigmas' item 2 must be finite, got nan");
}

// Every value is checked against its key's one declaration, host keys and
// plugin keys alike, naming file:line:col.
TEST_F(RunConfigTest, ValuesOutsideTheDeclaredRangeAreErrorsWhereTheyAreRead) {
  // 2^32 + 1 epochs used to train 1 epoch: the count was cut to 32 bits.
  EXPECT_EQ(load(replaced("epochs = 1", "epochs = 4294967297")),
            path_ + ":14:10: [train] key 'epochs' must be 1..1000000, got 4294967297");
  EXPECT_EQ(load(replaced("epochs = 1", "epochs = 1\nmomentum = -1")),
            path_ + ":15:12: [train] key 'momentum' must be in [0.0, 1.0], got -1.0");
  EXPECT_EQ(load(replaced("epochs = 1", "epochs = 1\nweight_decay = -1")),
            path_ + ":15:16: [train] key 'weight_decay' must be at least 0.0, got -1.0");
  EXPECT_EQ(load(replaced("width = 2", "width = 0")),
            path_ + ":11:9: [backbone] key 'width' must be 1..1024, got 0");
  EXPECT_EQ(load(replaced("train_size = 64", "train_size = -5")),
            path_ + ":7:14: [dataset] key 'train_size' must be at least 0, got -5");
  EXPECT_EQ(load(replaced("seed = 3", "seed = 3\ndevice = \"gpu\"")),
            path_ +
                ":4:10: [run] key 'device' must be one of \"auto\", \"cpu\", \"cuda\", got "
                "\"gpu\"");
  EXPECT_EQ(load(kValid + std::string("\n[eval]\nbatch_size = 0\n")),
            path_ + ":25:14: [eval] key 'batch_size' must be 1..1048576, got 0");
  EXPECT_EQ(load(kValid + std::string("\n[eval]\nnoise_sigmas = [0.1, -0.2]\n")),
            path_ + ":25:16: [eval] key 'noise_sigmas' item 2 must be at least 0.0, got -0.2");
}

TEST_F(RunConfigTest, ThreadsAreBoundedByTheMachine) {
  // 100000 threads used to hang the run while it created them.
  const std::string error = load(replaced("seed = 3", "seed = 3\nthreads = 100000"));
  EXPECT_EQ(error, path_ + ":4:11: [run] key 'threads' must be 0.." +
                       std::to_string(max_threads()) + ", got 100000");
  EXPECT_EQ(load(replaced("seed = 3", "seed = 3\nthreads = " + std::to_string(max_threads()))), "");
}

TEST_F(RunConfigTest, APathThatMustExistIsCheckedWhereItIsRead) {
  const std::string error = load(replaced("taps = [\"5\"]", "") +
                                 "\n[[regularizer]]\nname = \"neural_model\"\n"
                                 "target = \"no/such/target\"\n");
  EXPECT_EQ(error.rfind(path_ + ":26:10: [[regularizer]] #3 key 'target' must name an existing "
                                "folder, got \"no/such/target\" (no such path, relative to ",
                        0),
            0u)
      << error;
  // A record's config is read back without looking for its files again.
  Registry& registry = const_cast<Registry&>(testing::builtin_registry());
  PluginLoader loader(registry);
  auto config = load_run_config_text(replaced("taps = [\"5\"]", "") +
                                         "\n[[regularizer]]\nname = \"neural_model\"\n"
                                         "target = \"no/such/target\"\n",
                                     "record", loader, registry);
  EXPECT_TRUE(config.ok()) << config.status().message();
}

TEST(OptionDeclarations, ADefaultOutsideItsOwnRangeIsRefusedAtRegistration) {
  Registry registry;
  sdk::OptionList options;
  options.add_int("steps", 0, "iterations").at_least(1);
  try {
    registry.add_regularizer({"broken", "", options.specs()}, nullptr);
    FAIL() << "registered";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "regularizer 'broken': the default of option 'steps' must be at least 1, got 0");
  }
  EXPECT_EQ(registry.find(sdk::ComponentKind::kRegularizer, "broken"), nullptr);
}

TEST_F(RunConfigTest, MissingRequiredKeyNamesIt) {
  EXPECT_EQ(load(replaced("name = \"resnet18\"\n", "")),
            path_ +
                ":9:1: [backbone] missing required key 'name' (a string: which backbone "
                "plugin; registered: resnet18, resnet34, vgg19)");
}

TEST_F(RunConfigTest, SyntaxErrorReportsLineAndColumn) {
  std::string error = load(replaced("seed = 3", "seed = = 3"));
  EXPECT_EQ(error.rfind(path_ + ":3:8: TOML syntax error: ", 0), 0u) << error;
}

TEST_F(RunConfigTest, UnknownComponentListsRegisteredOnes) {
  std::string error = load(replaced("name = \"pixel\"", "name = \"pixl\""));
  EXPECT_EQ(error.rfind(path_ + ":20:8: [[regularizer]] #2 unknown regularizer 'pixl'; "
                                "registered: ",
                        0),
            0u)
      << error;
  EXPECT_NE(error.find("; plugin folders searched: " NEUROREG_PLUGIN_DIR
                       " (--plugin-path DIR or NEUROREG_PLUGIN_PATH adds one)"),
            std::string::npos)
      << error;
}

TEST_F(RunConfigTest, UnknownSectionAndDuplicateLabelsAreErrors) {
  EXPECT_EQ(load(std::string(kValid) + "\n[optimizer]\nlr = 1\n"),
            path_ +
                ":24:2: unknown section 'optimizer'; expected: [run], [dataset], "
                "[backbone], [train], [eval], [[regularizer]]");
  std::string twice = std::string(kValid) + "\n[[regularizer]]\nname = \"none\"\n";
  EXPECT_NE(load(twice).find("label 'none' is used twice"), std::string::npos);
}

TEST_F(RunConfigTest, MissingFileIsNamed) {
  Registry registry;
  PluginLoader loader(registry);
  EXPECT_EQ(load_run_config("/no/such.toml", loader, registry).status().message(),
            "/no/such.toml: no such config file");
}

// Every shipped config stays valid as the components' keys change.
TEST(ShippedConfigs, AllPassConfigCheck) {
  Registry& registry = const_cast<Registry&>(testing::builtin_registry());
  PluginLoader loader(registry);
  int checked = 0, evals = 0;
  // Paths in configs (targets, eval configs) are relative to the repository root.
  const std::filesystem::path here = std::filesystem::current_path();
  std::filesystem::current_path(NEUROREG_SOURCE_DIR);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::string(NEUROREG_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".toml") continue;
    SCOPED_TRACE(entry.path().string());
    // Evaluation configs (`neuroreg eval`) are the ones with [[attack]] tables.
    if (toml::parse_file(entry.path().string()).contains("attack")) {
      auto config = load_eval_config(entry.path().string(), registry);
      EXPECT_TRUE(config.ok()) << config.status().message();
      ++evals;
      continue;
    }
    // Targets and weights are made by commands the README runs first; this
    // checks keys, types and ranges (ConfigCheck tests build components).
    auto grid = load_grid(entry.path().string(), {}, loader, registry, nullptr, PathCheck::kSkip);
    EXPECT_TRUE(grid.ok()) << grid.status().message();
    ++checked;
  }
  std::filesystem::current_path(here);
  EXPECT_GE(checked, 9);
  EXPECT_GE(evals, 4);
}

}  // namespace
}  // namespace neuroreg
