// A run killed mid-training and resumed ends with exactly the weights of an
// uninterrupted run (on CPU).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/cli.h"
#include "record/record_io.h"
#include "support/builtin_plugins.h"

extern char** environ;

namespace neuroreg {
namespace {

namespace fs = std::filesystem;

std::string write_config(const testing::TempDir& dir, const std::string& name) {
  const std::string path = dir.file(name + ".toml");
  std::ofstream(path) << R"([run]
output_dir = ")" + dir.file("runs") +
                             R"("
threads = 1
seed = 5

[dataset]
name = "synthetic"
train_images = 256

[backbone]
name = "resnet18"
width = 4

[train]
epochs = 8
batch_size = 16
lr_decay_every = 3
log_every = 0

[eval]
noise_sigmas = [0.2]

[[regularizer]]
name = "pixel"
alpha = 2
)";
  return path;
}

int run_in_process(std::vector<std::string> args) {
  args.insert(args.begin(), "neuroreg");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  int code = run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
  EXPECT_EQ(code, 0) << err.str();
  return code;
}

// Every parameter and buffer of a saved resnet18 (width 4, synthetic input).
std::map<std::string, torch::Tensor> load_weights(const std::string& path) {
  const Registry& registry = testing::builtin_registry();
  sdk::DatasetInfo info;
  info.num_classes = 4;
  auto model = registry.make_backbone(
      "resnet18",
      registry.defaults(sdk::ComponentKind::kBackbone, "resnet18", {{"width", int64_t{4}}}),
      {info});
  torch::serialize::InputArchive archive;
  archive.load_from(path);
  model->load(archive);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& item : model->named_parameters()) tensors[item.key()] = item.value();
  for (const auto& item : model->named_buffers()) tensors[item.key()] = item.value();
  return tensors;
}

TEST(Resume, AKilledRunResumesToTheSameWeightsAsAnUninterruptedOne) {
  testing::TempDir dir;
  ASSERT_EQ(run_in_process({"train", write_config(dir, "straight")}), 0);

  // The same config under another name, in a child process killed with
  // SIGKILL as soon as its first epoch's checkpoint exists.
  const std::string config = write_config(dir, "killed");
  const std::string run = dir.file("runs/killed/pixel");
  std::vector<std::string> args = {NEUROREG_CLI, "train", config};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  ASSERT_EQ(posix_spawn(&child, NEUROREG_CLI, nullptr, nullptr, argv.data(), environ), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(run + "/record.pb") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it could be killed";
  record::RunRecord partial = read_run_record(run);
  ASSERT_FALSE(partial.has_evaluation());
  ASSERT_LT(partial.epochs_size(), 8);
  ASSERT_GE(partial.epochs_size(), 1);

  ASSERT_EQ(run_in_process({"train", config, "--resume"}), 0);
  record::RunRecord resumed = read_run_record(run);
  record::RunRecord straight = read_run_record(dir.file("runs/straight/pixel"));
  ASSERT_EQ(resumed.epochs_size(), 8);
  EXPECT_EQ(resumed.evaluation().clean_accuracy(), straight.evaluation().clean_accuracy());
  EXPECT_EQ(resumed.epochs(7).loss(), straight.epochs(7).loss());

  auto a = load_weights(dir.file("runs/straight/pixel/model.pt"));
  auto b = load_weights(run + "/model.pt");
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  for (const auto& [key, tensor] : a) {
    ASSERT_TRUE(b.count(key)) << key;
    EXPECT_TRUE(torch::equal(tensor, b[key])) << key;
  }

  // Resuming a finished run reuses it; a changed config is refused.
  ASSERT_EQ(run_in_process({"train", config, "--resume"}), 0);
  std::ofstream(config, std::ios::app) << "label = \"pixel\"\nclamp_epsilon = 0.01\n";
  std::vector<std::string> changed = {"neuroreg", "train", config, "--resume"};
  std::vector<char*> changed_argv;
  for (std::string& c : changed) changed_argv.push_back(c.data());
  std::ostringstream out, err;
  EXPECT_EQ(run_cli(4, changed_argv.data(), out, err), 1);
  EXPECT_NE(err.str().find("cannot resume: the config changed since this run started"),
            std::string::npos)
      << err.str();
}

}  // namespace
}  // namespace neuroreg
