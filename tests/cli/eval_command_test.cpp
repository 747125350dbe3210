// `neuroreg eval` and `neuroreg export` on a tiny trained comparison.
#include <gtest/gtest.h>
#include <torch/script.h>

#include <filesystem>
#include <fstream>

#include "launch/comparison.h"
#include "experiment/trained_model.h"
#include "robustness/robustness_report.h"
#include "support/builtin_plugins.h"
#include "support/cli_runner.h"
#include "support/grid_configs.h"

namespace neuroreg {
namespace {

namespace fs = std::filesystem;
using testing::cli;

// Trains the cells none-seed0 and pixel-seed0 of runs/tiny once for every test here.
const testing::TempDir& trained_runs() {
  static testing::TempDir* dir = [] {
    auto* d = new testing::TempDir();
    std::ofstream(d->file("tiny.toml"))
        << testing::SmallGrid()
               .name("tiny")
               .output_dir(d->file("runs"))
               .dataset("train_size = 32\ntest_size = 16")
               .train("epochs = 1\nbatch_size = 16")
               .eval("noise_sigmas = [0.1]")
               .regularizers({"name = \"none\"", "name = \"pixel\""})
               .toml();
    std::string out, err;
    EXPECT_EQ(cli({"compare", d->file("tiny.toml")}, &out, &err), 0) << err;
    return d;
  }();
  return *dir;
}

// The folder of a cell of runs/tiny, by its group ("none", "pixel").
std::string run_of(const std::string& group) {
  for (const CellResult& c : read_comparison(trained_runs().file("runs/tiny"))) {
    if (c.group == group) return trained_runs().file("runs/tiny/" + c.id);
  }
  ADD_FAILURE() << "no cell of group " << group;
  return "";
}

TEST(EvalCommand, EvaluatesEveryRunOfAComparisonFolderAndWritesRecords) {
  const testing::TempDir& dir = trained_runs();
  std::ofstream(dir.file("quick.toml")) << R"([eval]
samples = 6
noise_sigmas = [0.2]
corruptions = ["brightness"]
severities = [2]
[[attack]]
name = "fgsm"
search_steps = 8
)";
  std::string out, err;
  ASSERT_EQ(cli({"eval", dir.file("runs/tiny"), "--config", dir.file("quick.toml")}, &out, &err), 0)
      << err;
  for (const std::string label : {"none", "pixel"}) {
    SCOPED_TRACE(label);
    const std::string base = run_of(label) + "/robustness-quick";
    const record::RobustnessRecord r = read_robustness_record(base + ".pb");
    EXPECT_EQ(r.label(), label);
    EXPECT_EQ(r.samples_size(), 6);
    ASSERT_EQ(r.norms_size(), 1);
    EXPECT_EQ(r.norms(0).norm(), "Linf");
    EXPECT_TRUE(fs::exists(base + ".txt"));
    EXPECT_NE(r.effective_eval_config().find("name = \"fgsm\""), std::string::npos);
  }
  // Both models attacked on the same samples, side by side at the end.
  EXPECT_EQ(read_robustness_record(run_of("none") + "/robustness-quick.pb").samples(3),
            read_robustness_record(run_of("pixel") + "/robustness-quick.pb").samples(3));
  EXPECT_NE(out.find("Linf median (mean)"), std::string::npos) << out;
}

TEST(EvalCommand, NamesAPathThatIsNoRun) {
  const testing::TempDir& dir = trained_runs();
  std::ofstream(dir.file("empty.toml")) << "[eval]\n";
  std::string out, err;
  EXPECT_EQ(cli({"eval", dir.file("nowhere"), "--config", dir.file("empty.toml")}, &out, &err), 1);
  EXPECT_NE(
      err.find(dir.file("nowhere") + ": not a run folder, a weights file, or a comparison folder"),
      std::string::npos)
      << err;
}

TEST(ExportCommand, WritesTorchScriptThatAgreesWithTheTrainedModel) {
  const testing::TempDir& dir = trained_runs();
  const std::string file = dir.file("none.torchscript.pt");
  std::string out, err;
  ASSERT_EQ(cli({"export", run_of("none"), "--torchscript", file}, &out, &err), 0) << err;
  torch::jit::Module exported = torch::jit::load(file);
  Registry registry;
  PluginLoader loader(registry);
  ASSERT_TRUE(loader.load_directory(NEUROREG_PLUGIN_DIR).empty());
  TrainedModel trained = load_trained_model(run_of("none"), loader, registry, torch::kCPU);
  const torch::Tensor images = trained.data.test.images.slice(0, 0, 5);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(
      exported.forward({images}).toTensor().allclose(trained.model->forward(images), 1e-4, 1e-5));
}

}  // namespace
}  // namespace neuroreg
