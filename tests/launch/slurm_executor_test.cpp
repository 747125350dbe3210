// `compare --executor slurm` without a cluster: the script it would submit,
// the flags that belong to it, and `--status` from what is on disk. The run
// against a real Slurm is tests/cluster/slurm_array_test.sh.
#include "launch/slurm_executor.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/builtin_plugins.h"
#include "support/cli_runner.h"
#include "support/grid_configs.h"

namespace neuroreg {
namespace {

namespace fs = std::filesystem;
using testing::cli;

std::string write_grid(const testing::TempDir& dir) {
  const std::string path = dir.file("grid.toml");
  std::ofstream(path) << testing::SmallGrid()
                             .name("arr")
                             .output_dir(dir.file("runs"))
                             .dataset("train_size = 32\ntest_size = 8")
                             .train("epochs = 1\nbatch_size = 16")
                             .eval("noise_sigmas = [0.1]")
                             .regularizers({"name = \"none\""})
                             .grid("seed = [0, 1]")
                             .toml();
  return path;
}

// The cell ids `config check` lists, in grid order.
std::vector<std::string> cell_ids(const std::string& grid) {
  std::string out, err;
  EXPECT_EQ(cli({"config", "check", grid}, &out, &err), 0) << err;
  std::vector<std::string> ids;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  none-seed", 0) == 0) ids.push_back(line.substr(2));
  }
  return ids;
}

TEST(SlurmExecutor, DryRunPrintsTheArrayOfUnfinishedCellsAndWritesNothing) {
  testing::TempDir dir;
  const std::string grid = write_grid(dir);
  std::string out, err;
  ASSERT_EQ(cli({"compare", grid, "--executor", "slurm", "--dry-run", "--max-parallel", "3",
                 "--partition", "gpu", "--time", "1:00:00", "--cpus-per-task", "2",
                 "--gpus-per-task", "1", "--sbatch-arg=--mem=4G", "train.epochs=2"},
                &out, &err),
            0)
      << err;
  for (const char* line :
       {"#SBATCH --array=0-1%3\n", "#SBATCH --partition='gpu'\n", "#SBATCH --time='1:00:00'\n",
        "#SBATCH --signal=B:TERM@120\n", "#SBATCH --cpus-per-task=2\n",
        "#SBATCH --gpus-per-task=1\n", "#SBATCH --mem=4G\n", "#SBATCH --requeue\n"}) {
    EXPECT_NE(out.find(line), std::string::npos) << line << " missing from:\n" << out;
  }
  // The task runs its cell with the config, overrides and plugins given here.
  EXPECT_NE(out.find("run-cell '" + grid + "' 'train.epochs=2' '--plugin-path' '" +
                     std::string(NEUROREG_PLUGIN_DIR) +
                     "' --cell \"$cell\" --threads \"${SLURM_CPUS_PER_TASK:-1}\""),
            std::string::npos)
      << out;
  EXPECT_FALSE(fs::exists(dir.file("runs/arr/slurm"))) << "a dry run must write nothing";
}

TEST(SlurmExecutor, FlagsOfAnotherExecutorAreErrors) {
  testing::TempDir dir;
  const std::string grid = write_grid(dir);
  std::string out, err;
  EXPECT_EQ(cli({"compare", grid, "--partition", "gpu"}, &out, &err), 2);
  EXPECT_NE(err.find("--partition is for --executor slurm"), std::string::npos) << err;
  EXPECT_EQ(cli({"compare", grid, "--executor", "slurm", "--jobs", "2"}, &out, &err), 2);
  EXPECT_NE(err.find("--max-parallel"), std::string::npos) << err;
  EXPECT_EQ(cli({"compare", grid, "--executor", "pbs"}, &out, &err), 2);
  EXPECT_NE(err.find("--executor needs local or slurm"), std::string::npos) << err;
  EXPECT_EQ(cli({"compare", grid, "--executor", "slurm", "--sbatch-arg", "mem=4G"}, &out, &err), 2);
  EXPECT_NE(err.find("starting with '-'"), std::string::npos) << err;
  EXPECT_EQ(cli({"compare", grid, "--status", "--executor", "slurm"}, &out, &err), 2);
  EXPECT_EQ(cli({"run-cell", grid, "--cell", "0", "--executor", "slurm"}, &out, &err), 2);
}

TEST(SlurmExecutor, WithoutSbatchTheErrorSaysSoAndNothingIsWritten) {
  testing::TempDir dir;
  const std::string grid = write_grid(dir);
  const std::string path = getenv("PATH");
  setenv("PATH", dir.path().c_str(), 1);
  std::string out, err;
  const int code = cli({"compare", grid, "--executor", "slurm"}, &out, &err);
  setenv("PATH", path.c_str(), 1);
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("sbatch is not on PATH"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir.file("runs/arr/slurm")));
}

TEST(SlurmExecutor, StatusTellsDoneFailedAndMissingCellsApart) {
  testing::TempDir dir;
  const std::string grid = write_grid(dir);
  const std::vector<std::string> ids = cell_ids(grid);
  ASSERT_EQ(ids.size(), 2u);
  std::string out, err;
  ASSERT_EQ(cli({"run-cell", grid, "--cell", "0"}, &out, &err), 0) << err;
  std::string before;
  ASSERT_EQ(cli({"compare", grid, "--status"}, &before, &err), 0) << err;
  EXPECT_NE(before.find("2 cells: 1 done, 1 missing"), std::string::npos) << before;
  // A failed run leaves a note naming when and why.
  fs::create_directories(dir.file("runs/arr/" + ids[1]));
  std::ofstream(dir.file("runs/arr/" + ids[1] + "/error.txt"))
      << "2026-12-03T10:00:00Z\nsomething broke\n";
  ASSERT_EQ(cli({"compare", grid, "--status"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("2 cells: 1 done, 1 failed"), std::string::npos) << out;
  EXPECT_NE(out.find("2026-12-03T10:00:00Z: something broke"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir.file("runs/arr/" + ids[1] + "/record.pb"))) << "status runs nothing";
}

TEST(SlurmExecutor, AFailingCellLeavesANoteNamingWhenAndWhy) {
  testing::TempDir dir;
  const std::string grid = write_grid(dir);
  std::string out, err;
  // batch_size above the training images fails when the epoch starts.
  ASSERT_EQ(cli({"run-cell", grid, "--cell", "0", "dataset.train_size=8"}, &out, &err), 1);
  const std::vector<std::string> ids = [&] {
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(dir.file("runs/arr"))) {
      if (fs::exists(e.path() / "error.txt")) found.push_back(e.path().string());
    }
    return found;
  }();
  ASSERT_EQ(ids.size(), 1u);
  std::ifstream note(ids[0] + "/error.txt");
  std::string when, what;
  std::getline(note, when);
  std::getline(note, what);
  EXPECT_EQ(when.size(), 20u) << when;  // 2026-12-03T10:00:00Z
  EXPECT_NE(what.find("batch_size"), std::string::npos) << what;
}

}  // namespace
}  // namespace neuroreg
