// A grid killed mid-cell and run again ends with exactly the weights of an
// uninterrupted grid (on CPU), and redoes no finished cell.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "cli/cli.h"
#include "launch/comparison.h"
#include "record/record_io.h"
#include "support/builtin_plugins.h"
#include "support/grid_configs.h"

extern char** environ;

namespace neuroreg {
namespace {

namespace fs = std::filesystem;

// A grid of 2 regularizers × 2 seeds; `name` picks its comparison folder.
std::string write_config(const testing::TempDir& dir, const std::string& name) {
  const std::string path = dir.file(name + ".toml");
  std::ofstream(path) << testing::SmallGrid()
                             .name("")
                             .output_dir(dir.file("runs"))
                             .dataset("train_images = 256")
                             .width(4)
                             .train(
                                 "epochs = 8\nbatch_size = 16\nlr_decay_every = 3\nlog_every = 0")
                             .eval("noise_sigmas = [0.2]")
                             .grid("seed = [5, 6]")
                             .toml();
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

// The cell folders of a comparison, by label.
std::map<std::string, std::string> cell_folders(const std::string& comparison) {
  std::map<std::string, std::string> folders;
  for (const CellResult& c : read_comparison(comparison))
    folders[c.label] = comparison + "/" + c.id;
  return folders;
}

TEST(Resume, AGridKilledMidCellFinishesWithoutRedoingAnyCellAndEndsWithTheSameWeights) {
  testing::TempDir dir;
  ASSERT_EQ(run_in_process({"compare", write_config(dir, "straight")}), 0);

  // The same grid under another name, in a child process killed with SIGKILL
  // as soon as the third cell (pixel, seed 5 is the second; none, seed 6 the
  // third) has written its first epoch's record.
  const std::string config = write_config(dir, "killed");
  const std::string comparison = dir.file("runs/killed");
  std::vector<std::string> args = {NEUROREG_CLI, "compare", config, "--plugin-path",
                                   NEUROREG_PLUGIN_DIR};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  ASSERT_EQ(posix_spawn(&child, NEUROREG_CLI, nullptr, nullptr, argv.data(), environ), 0);
  auto third_cell_started = [&] {
    std::ifstream index(comparison + "/cells.tsv");
    std::string line;
    for (int i = 0; i < 4 && std::getline(index, line);) ++i;  // header, cells 0-2
    if (line.empty()) return false;
    const std::string id = line.substr(line.find('\t') + 1,
                                       line.find('\t', line.find('\t') + 1) - line.find('\t') - 1);
    return fs::exists(comparison + "/" + id + "/record.pb");
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (!third_cell_started() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the grid ended before it could be killed";

  std::vector<std::string> missing;
  std::vector<CellResult> before = read_comparison(comparison, &missing);
  ASSERT_EQ(before.size(), 2u);
  ASSERT_EQ(missing.size(), 2u);
  std::map<std::string, std::string> started;
  for (const CellResult& c : before) {
    EXPECT_EQ(c.run.attempts(), 1);
    started[c.label] = c.run.started_at();
  }

  ASSERT_EQ(run_in_process({"compare", config}), 0);
  const auto straight = cell_folders(dir.file("runs/straight"));
  const auto resumed = cell_folders(comparison);
  ASSERT_EQ(resumed.size(), 4u);
  for (const CellResult& c : read_comparison(comparison)) {
    SCOPED_TRACE(c.label);
    // Finished cells were not redone; the interrupted one was resumed once.
    if (started.count(c.label)) {
      EXPECT_EQ(c.run.attempts(), 1);
      EXPECT_EQ(c.run.started_at(), started[c.label]);
    }
    EXPECT_EQ(c.run.attempts(), c.label == "none-seed6" ? 2 : 1);
    const record::RunRecord reference = read_run_record(straight.at(c.label));
    ASSERT_EQ(c.run.epochs_size(), 8);
    EXPECT_EQ(c.run.evaluation().clean_accuracy(), reference.evaluation().clean_accuracy());
    EXPECT_EQ(c.run.epochs(7).loss(), reference.epochs(7).loss());
    auto a = load_weights(straight.at(c.label) + "/model.pt");
    auto b = load_weights(resumed.at(c.label) + "/model.pt");
    ASSERT_EQ(a.size(), b.size());
    ASSERT_FALSE(a.empty());
    for (const auto& [key, tensor] : a) {
      ASSERT_TRUE(b.count(key)) << key;
      EXPECT_TRUE(torch::equal(tensor, b[key])) << key;
    }
  }

  // A rerun of a finished grid redoes nothing; one more seed runs only its cells.
  std::ostringstream out, err;
  std::vector<std::string> more = {"neuroreg", "compare", config, "run.seed=5,6,7"};
  std::vector<char*> more_argv;
  for (std::string& m : more) more_argv.push_back(m.data());
  ASSERT_EQ(run_cli(static_cast<int>(more_argv.size()), more_argv.data(), out, err), 0)
      << err.str();
  EXPECT_NE(out.str().find("6 cells (regularizers × run.seed), 4 finished, 2 to run"),
            std::string::npos)
      << out.str();
  for (const CellResult& c : read_comparison(comparison)) {
    EXPECT_EQ(c.run.attempts(), c.label == "none-seed6" ? 2 : 1) << c.label;
  }

  // A folder whose record belongs to another config is refused, with the way out.
  const std::string pixel = resumed.at("pixel-seed5");
  record::RunRecord changed = read_run_record(pixel);
  changed.mutable_cell()->set_identity_config("something else");
  write_run_record(pixel + "/record.pb", changed);
  std::vector<std::string> again = {"neuroreg", "compare", config};
  std::vector<char*> again_argv;
  for (std::string& a : again) again_argv.push_back(a.data());
  EXPECT_EQ(run_cli(3, again_argv.data(), out, err), 1);
  EXPECT_NE(err.str().find("belongs to another config than grid cell 'pixel-seed5'"),
            std::string::npos)
      << err.str();
  EXPECT_NE(err.str().find("To keep that run, move its folder elsewhere"), std::string::npos);
}

}  // namespace
}  // namespace neuroreg
