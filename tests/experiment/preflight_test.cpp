// `config check`, `compare` and `train` build every component a grid names
// before anything trains, so a broken last cell fails in seconds, naming the
// file, section and label.
#include "experiment/preflight.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/builtin_plugins.h"
#include "support/cli_runner.h"
#include "support/grid_configs.h"

namespace neuroreg {
namespace {

namespace fs = std::filesystem;
using testing::cli;

std::string config_text(const std::string& output_dir, const std::string& last_regularizer) {
  return testing::SmallGrid()
             .name("pre")
             .output_dir(output_dir)
             .dataset("train_size = 32\ntest_size = 8")
             .train("epochs = 1\nbatch_size = 16")
             .eval("noise_sigmas = [0.1]")
             .regularizers({"name = \"none\""})
             .toml() +
         "\n" + last_regularizer;
}

TEST(Preflight, ConfigCheckBuildsEveryComponentAndSaysWhat) {
  testing::TempDir dir;
  const std::string config = dir.file("pre.toml");
  std::ofstream(config) << config_text(dir.file("runs"),
                                       "[[regularizer]]\nname = \"pixel\"\ntaps = [\"5\"]\n");
  std::string out, err;
  ASSERT_EQ(cli({"config", "check", config}, &out, &err), 0) << err;
  EXPECT_NE(out.find("built on two test images:\n  dataset synthetic: 32 train, 8 test images of "
                     "1×32×32, 4 classes\n  backbone resnet18: "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  regularizer none (none)\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  regularizer pixel (pixel)\n"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir.file("runs"))) << "config check must not write";
}

TEST(Preflight, AnUnknownTapInTheLastRegularizerFailsTheCheckNamingItsLabel) {
  testing::TempDir dir;
  const std::string config = dir.file("pre.toml");
  std::ofstream(config) << config_text(
      dir.file("runs"),
      "[[regularizer]]\nname = \"pixel\"\nlabel = \"deep\"\ntaps = [\"nosuch\"]\n");
  std::string out, err;
  EXPECT_EQ(cli({"config", "check", config}, &out, &err), 1);
  EXPECT_EQ(err.rfind("neuroreg: error: " + config + ": [[regularizer]] 'deep' (pixel): ", 0), 0u)
      << err;
  EXPECT_NE(err.find("nosuch"), std::string::npos) << err;
}

TEST(Preflight, CompareFailsBeforeTrainingAnyCellWhenALaterTargetIsBroken) {
  testing::TempDir dir;
  // The folder exists (the declared path check passes) but holds no target.
  fs::create_directories(dir.file("empty_target"));
  const std::string config = dir.file("pre.toml");
  std::ofstream(config) << config_text(
      dir.file("runs"),
      "[[regularizer]]\nname = \"neural_model\"\ntarget = \"" + dir.file("empty_target") + "\"\n");
  std::string out, err;
  EXPECT_EQ(cli({"compare", config}, &out, &err), 1);
  EXPECT_EQ(
      err.rfind("neuroreg: error: " + config +
                    ": [[regularizer]] 'neural_model' (neural_model): " + dir.file("empty_target"),
                0),
      0u)
      << err;
  // Nothing trained: the 'none' cell, first in the grid, has no record.
  bool any_record = false;
  if (fs::exists(dir.file("runs"))) {
    for (const auto& entry : fs::recursive_directory_iterator(dir.file("runs"))) {
      any_record |= entry.path().filename() == "record.pb";
    }
  }
  EXPECT_FALSE(any_record);
}

TEST(Preflight, AnOutputFolderThatCannotBeCreatedFailsTheCheck) {
  testing::TempDir dir;
  std::ofstream(dir.file("a_file")) << "not a folder";
  const std::string config = dir.file("pre.toml");
  std::ofstream(config) << config_text(dir.file("a_file/runs"), "");
  std::string out, err;
  EXPECT_EQ(cli({"config", "check", config}, &out, &err), 1);
  EXPECT_EQ(err, "neuroreg: error: " + config + ": [run] output_dir: cannot create " +
                     dir.file("a_file/runs/pre") + ": " + dir.file("a_file") +
                     " is not a folder\n");
}

TEST(Preflight, AnEvalConfigsAttacksAreBuiltToo) {
  testing::TempDir dir;
  const std::string eval = dir.file("eval.toml");
  // Two keys that are each in range but together wrong: only building finds it.
  std::ofstream(eval) << "[eval]\nsamples = 4\n\n[[attack]]\nname = \"hop_skip_jump_l2\"\n"
                         "initial_gradient_eval_steps = 50\nmax_gradient_eval_steps = 10\n";
  const std::string config = dir.file("pre.toml");
  std::string text = config_text(dir.file("runs"), "");
  text.replace(text.find("noise_sigmas"), 0, "config = \"" + eval + "\"\n");
  std::ofstream(config) << text;
  std::string out, err;
  EXPECT_EQ(cli({"config", "check", config}, &out, &err), 1);
  EXPECT_EQ(err.rfind("neuroreg: error: " + eval + ": [[attack]] 'hop_skip_jump_l2': " +
                          "hop_skip_jump_l2: option 'max_gradient_eval_steps' must be at least "
                          "initial_gradient_eval_steps (50), got 10",
                      0),
            0u)
      << err;
}

}  // namespace
}  // namespace neuroreg
