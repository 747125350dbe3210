#include "launch/comparison.h"

#include <gtest/gtest.h>
#include <neuroreg/sdk/version.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "launch/comparison.h"
#include "record/record_io.h"
#include "support/builtin_plugins.h"
#include "support/cli_runner.h"
#include "support/grid_configs.h"

namespace neuroreg {
namespace {

namespace fs = std::filesystem;

std::string tiny_config(const std::string& output_dir) {
  return testing::SmallGrid()
      .name("tiny")
      .output_dir(output_dir)
      .dataset("train_size = 64\nvalidation_size = 16\ntest_size = 32")
      .train("epochs = 2\nbatch_size = 16\nlog_every = 2")
      .eval("noise_sigmas = [0.1, 0.3]")
      .regularizers({"name = \"none\"", "name = \"pixel\"\nlabel = \"pixel-a2\"\nalpha = 2"})
      .toml();
}

using testing::cli;

TEST(Comparison, TrainsEachRegularizerAndWritesRecordsAndTable) {
  testing::TempDir dir;
  const std::string config = dir.file("tiny.toml");
  std::ofstream(config) << tiny_config(dir.file("runs"));
  std::string out, err;
  ASSERT_EQ(cli({"compare", config}, &out, &err), 0) << err;

  const std::vector<CellResult> cells = read_comparison(dir.file("runs/tiny"));
  ASSERT_EQ(cells.size(), 2u);
  for (const CellResult& cell : cells) {
    const std::string label = cell.group;
    SCOPED_TRACE(label);
    const std::string run = dir.file("runs/tiny/" + cell.id);
    EXPECT_TRUE(fs::exists(run + "/model.pt"));
    EXPECT_TRUE(fs::exists(run + "/train.log"));
    record::RunRecord r = read_run_record(run);
    EXPECT_EQ(r.label(), label);
    EXPECT_EQ(r.cell().label(), label + "-seed0");
    EXPECT_EQ(r.attempts(), 1);
    EXPECT_EQ(r.train_images(), 64);
    ASSERT_EQ(r.epochs_size(), 2);
    EXPECT_TRUE(r.epochs(1).has_validation());
    EXPECT_EQ(r.evaluation().test_images(), 32);
    ASSERT_EQ(r.evaluation().noise_size(), 2);
    EXPECT_DOUBLE_EQ(r.evaluation().noise(1).sigma(), 0.3);
    EXPECT_NE(r.effective_config().find("weight_decay = 0.0005"), std::string::npos);
    EXPECT_EQ(r.epochs(0).diagnostics_size(), label == "none" ? 0 : 5);
    for (const auto& entry : fs::directory_iterator(run)) {
      EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
    }
  }
  EXPECT_EQ(cells[0].group, "none");
  EXPECT_EQ(cells[1].group, "pixel-a2");
  // The claims follow the groups' table, on the terminal and in the folder.
  EXPECT_NE(out.find("pixel-a2 − none, clean: "), std::string::npos) << out;
  EXPECT_NE(out.find("/1 seeds (one pair: no CI, no p)"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(dir.file("runs/tiny/differences.csv")));
  EXPECT_TRUE(fs::exists(dir.file("runs/tiny/compare.toml")));
  ASSERT_EQ(cli({"show", dir.file("runs/tiny")}, &out, &err), 0) << err;
  EXPECT_NE(out.find("pixel-a2 − none, clean: "), std::string::npos) << out;
  EXPECT_NE(out.find("Every cell was scored on the same 32 test images (subset seed 1234)."),
            std::string::npos)
      << out;

  ASSERT_EQ(cli({"show", dir.file("runs/tiny/" + cells[1].id)}, &out, &err), 0) << err;
  EXPECT_NE(out.find("run tiny / pixel-a2 (regularizer pixel, alpha 2)"), std::string::npos) << out;
  EXPECT_NE(out.find("gamma/conv5="), std::string::npos) << out;

  // show --json: the record in protobuf's JSON mapping, and a comparison's cells.
  ASSERT_EQ(cli({"show", "--json", dir.file("runs/tiny/" + cells[1].id)}, &out, &err), 0) << err;
  EXPECT_NE(out.find("\"label\": \"pixel-a2\""), std::string::npos) << out;
  ASSERT_EQ(cli({"show", "--json", dir.file("runs/tiny")}, &out, &err), 0) << err;
  EXPECT_NE(out.find("\"id\": \"" + cells[0].id + "\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"missing\": []"), std::string::npos) << out;
}

TEST(Comparison, JobsRunCellsInTheirOwnProcesses) {
  testing::TempDir dir;
  const std::string config = dir.file("tiny.toml");
  std::ofstream(config) << tiny_config(dir.file("runs")) << "\n[grid]\nseed = [0, 1]\n";
  const std::string command = std::string(NEUROREG_CLI) + " compare " + config +
                              " --jobs 2 --plugin-path " + NEUROREG_PLUGIN_DIR + " > " +
                              dir.file("out.txt") + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream printed(dir.file("out.txt"));
  const std::string out((std::istreambuf_iterator<char>(printed)), {});
  EXPECT_NE(out.find("4 cells (regularizers × run.seed), 0 finished, 4 to run, 2 at once"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("1 threads"), std::string::npos) << out;  // 2 cores split between 2 jobs
  const std::vector<CellResult> cells = read_comparison(dir.file("runs/tiny"));
  ASSERT_EQ(cells.size(), 4u);
  for (const CellResult& c : cells) {
    EXPECT_TRUE(fs::exists(dir.file("runs/tiny/" + c.id + "/run-cell.log"))) << c.label;
    EXPECT_EQ(c.run.attempts(), 1) << c.label;
  }
  // The same cells in one process give the same records (CPU, fixed seeds).
  testing::TempDir serial;
  std::ofstream(serial.file("tiny.toml"))
      << tiny_config(serial.file("runs")) << "\n[grid]\nseed = [0, 1]\n";
  std::string o, e;
  ASSERT_EQ(cli({"compare", serial.file("tiny.toml"), "--threads", "1"}, &o, &e), 0) << e;
  const std::vector<CellResult> reference = read_comparison(serial.file("runs/tiny"));
  ASSERT_EQ(reference.size(), 4u);
  for (size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(cells[i].id, reference[i].id);
    EXPECT_EQ(cells[i].run.evaluation().clean_accuracy(),
              reference[i].run.evaluation().clean_accuracy());
    EXPECT_EQ(cells[i].run.epochs(1).loss(), reference[i].run.epochs(1).loss()) << cells[i].label;
  }
}

TEST(Comparison, ANewEvaluationEvaluatesTheTrainedCellsWithoutTrainingThemAgain) {
  testing::TempDir dir;
  const std::string config = dir.file("tiny.toml");
  std::ofstream(config) << tiny_config(dir.file("runs"));
  std::ofstream(dir.file("quick.toml")) << R"([eval]
samples = 4
noise_sigmas = []
corruptions = []
[[attack]]
name = "fgsm"
search_steps = 4
)";
  std::string out, err;
  ASSERT_EQ(cli({"compare", config}, &out, &err), 0) << err;
  const std::vector<CellResult> before = read_comparison(dir.file("runs/tiny"));
  ASSERT_EQ(
      cli({"compare", config, "eval.noise_sigmas=[0.5]", "eval.seed=7",
           "eval.config=" + dir.file("quick.toml")},
          &out, &err),
      0)
      << err;
  EXPECT_NE(out.find("2 cells (regularizers), 0 finished, 2 to run"), std::string::npos) << out;
  EXPECT_NE(out.find("trained; evaluating it"), std::string::npos) << out;
  const std::vector<CellResult> after = read_comparison(dir.file("runs/tiny"));
  ASSERT_EQ(after.size(), 2u);
  for (size_t i = 0; i < after.size(); ++i) {
    SCOPED_TRACE(after[i].label);
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_EQ(after[i].run.attempts(), 1);
    EXPECT_EQ(after[i].run.started_at(), before[i].run.started_at());
    EXPECT_EQ(after[i].run.epochs(1).loss(), before[i].run.epochs(1).loss());
    ASSERT_EQ(after[i].run.evaluation().noise_size(), 1);
    EXPECT_DOUBLE_EQ(after[i].run.evaluation().noise(0).sigma(), 0.5);
    ASSERT_EQ(after[i].robustness.size(), 1u);
    EXPECT_EQ(after[i].robustness[0].samples_size(), 4);
    // [eval] seed draws the test subset: a new seed, other images, recorded.
    EXPECT_EQ(before[i].run.evaluation().test_subset_seed(), 1234);
    EXPECT_EQ(after[i].run.evaluation().test_subset_seed(), 7);
    EXPECT_NE(after[i].run.evaluation().test_set_crc32(),
              before[i].run.evaluation().test_set_crc32());
  }
  // Both cells (one seed, so one synthetic dataset) saw the same images.
  EXPECT_NE(out.find("Every cell was scored on the same 32 test images (subset seed 7)."),
            std::string::npos)
      << out;
  // Now everything is current: nothing runs.
  ASSERT_EQ(
      cli({"compare", config, "eval.noise_sigmas=[0.5]", "eval.seed=7",
           "eval.config=" + dir.file("quick.toml")},
          &out, &err),
      0)
      << err;
  EXPECT_NE(out.find("2 cells (regularizers), 2 finished, 0 to run"), std::string::npos) << out;
}

TEST(Cli, ConfigCheckReportsTheFirstErrorAndExitsOne) {
  testing::TempDir dir;
  const std::string config = dir.file("bad.toml");
  std::string text = tiny_config(dir.file("runs"));
  text.replace(text.find("epochs = 2"), 10, "epochs = 2.5");
  std::ofstream(config) << text;
  std::string out, err;
  EXPECT_EQ(cli({"config", "check", config}, &out, &err), 1);
  EXPECT_NE(err.find(config + ":17:10: [train] key 'epochs' must be an integer, got a number"),
            std::string::npos)
      << err;
}

TEST(Cli, PluginsListsComponentsWithTheirKeys) {
  std::string out, err;
  ASSERT_EQ(cli({"plugins"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("regularizers:\n"), std::string::npos);
  EXPECT_NE(out.find("  pixel - "), std::string::npos);
  EXPECT_NE(out.find("      clamp_epsilon    float    = 0.001                  similarities are "
                     "clamped"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  resnet18 - "), std::string::npos);
  // Each key's declared values, in brackets after its help.
  EXPECT_NE(out.find("(Eq. 8) [in (0.0, 1.0)]\n"), std::string::npos) << out;
  EXPECT_NE(out.find("(100 classes) or \"coarse\" (20) [one of \"fine\", \"coarse\"]\n"),
            std::string::npos)
      << out;
}

TEST(Cli, PluginsVerboseNamesEachComponentsFileAndStamp) {
  std::string out, err;
  ASSERT_EQ(cli({"plugins", "--verbose"}, &out, &err), 0) << err;
  const std::string stamp =
      "sdk " + std::to_string(NEUROREG_SDK_VERSION) + ", torch " + TORCH_VERSION;
  EXPECT_NE(out.find("  pixel - "), std::string::npos);
  EXPECT_NE(out.find("neuroreg_regularizer_pixel.so (plugin pixel 0.1.0; cxx11_abi "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(stamp + ")\n"), std::string::npos) << out;
  EXPECT_NE(out.find("      built against cxx11_abi "), std::string::npos) << out;
}

TEST(Cli, ConfigExplainListsHostKeysWithDefaults) {
  std::string out, err;
  ASSERT_EQ(cli({"config", "explain"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("  [train]\n      epochs           int      = 40 "), std::string::npos) << out;
  EXPECT_NE(out.find("      lr_resets        int[]    = [20] "), std::string::npos) << out;
  EXPECT_NE(out.find("SGD momentum [in [0.0, 1.0]]\n"), std::string::npos) << out;
}

TEST(Cli, ShowNamesAFileThatIsNotARecord) {
  testing::TempDir dir;
  std::ofstream(dir.file("junk.pb")) << "this is not protobuf";
  std::string out, err;
  EXPECT_EQ(cli({"show", dir.file("junk.pb")}, &out, &err), 1);
  EXPECT_EQ(err, "neuroreg: error: " + dir.file("junk.pb") +
                     ": not a NeuroReg run record (protobuf parse failed)\n");
  // An empty file parses as an empty message: not a run with no epochs.
  std::ofstream(dir.file("record.pb")).flush();
  EXPECT_EQ(cli({"show", dir.path()}, &out, &err), 1);
  EXPECT_EQ(err, "neuroreg: error: " + dir.file("record.pb") +
                     ": not a NeuroReg run record (empty, or no versions and start time)\n");
}

}  // namespace
}  // namespace neuroreg
