// Data-parallel training with c10d over real processes on the loopback: two
// `neuroreg train` processes, each with half of every batch, against one
// process with the whole batch.
#include "distributed/data_parallel.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "record/record_io.h"
#include "support/builtin_plugins.h"
#include "support/cli_runner.h"

extern char** environ;

namespace neuroreg {
namespace {

namespace fs = std::filesystem;

// `neuroreg args...` with `env` added to this environment; output to `log`.
pid_t start(const std::vector<std::string>& args, const std::vector<std::string>& env,
            const std::string& log) {
  std::vector<std::string> all = {NEUROREG_CLI};
  all.insert(all.end(), args.begin(), args.end());
  all.insert(all.end(),
             {"--plugin-path", NEUROREG_PLUGIN_DIR, "--plugin-path", NEUROREG_SUPPORT_PLUGIN_DIR});
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> vars = env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string var = *e;
    // The launcher's variables of this test, not of whoever runs it.
    const std::string name = var.substr(0, var.find('='));
    if (name != "RANK" && name != "WORLD_SIZE" && name != "LOCAL_RANK" && name != "MASTER_ADDR" &&
        name != "MASTER_PORT" && name.rfind("SLURM_", 0) != 0) {
      vars.push_back(var);
    }
  }
  std::vector<char*> envp;
  for (std::string& v : vars) envp.push_back(v.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, all[0].c_str(), &files, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&files);
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string write_config(const testing::TempDir& dir, const std::string& backbone) {
  const std::string path = dir.file("dp.toml");
  std::ofstream(path) << R"([run]
name = "dp"
threads = 1
distributed = true
distributed_timeout = 20

[dataset]
name = "synthetic"
train_size = 64
test_size = 8
validation_size = 8

[backbone]
)" << backbone << R"(

[train]
epochs = 2
batch_size = 16
lr = 0.05

[eval]
noise_sigmas = []

[[regularizer]]
name = "none"
)";
  return path;
}

// The one model.pt under `root`, as name → tensor.
std::map<std::string, torch::Tensor> weights_under(const std::string& root) {
  std::string file;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().filename() == "model.pt") file = e.path().string();
  }
  EXPECT_FALSE(file.empty()) << "no model.pt under " << root;
  std::map<std::string, torch::Tensor> tensors;
  if (file.empty()) return tensors;
  torch::serialize::InputArchive archive;
  archive.load_from(file);
  // Modules save their children as nested archives.
  std::function<void(torch::serialize::InputArchive&, const std::string&)> read =
      [&](torch::serialize::InputArchive& a, const std::string& prefix) {
        for (const std::string& key : a.keys()) {
          torch::Tensor t;
          torch::serialize::InputArchive child;
          if (a.try_read(key, t)) {
            tensors[prefix + key] = t;
          } else if (a.try_read(key, child)) {
            read(child, prefix + key + ".");
          }
        }
      };
  read(archive, "");
  return tensors;
}

std::string record_under(const std::string& root) {
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().filename() == "record.pb") return e.path().string();
  }
  ADD_FAILURE() << "no record.pb under " << root;
  return root;
}

// Trains `config` in one process and in two, into runs-1 and runs-2.
struct Runs {
  std::string one, two, log1, log_rank0, log_rank1;
  int exit1 = -1, exit_rank0 = -1, exit_rank1 = -1;
};
Runs train_both_ways(const testing::TempDir& dir, const std::string& config) {
  Runs r;
  r.one = dir.file("runs-1");
  r.two = dir.file("runs-2");
  r.log1 = dir.file("one.log");
  r.log_rank0 = dir.file("rank0.log");
  r.log_rank1 = dir.file("rank1.log");
  r.exit1 = wait_exit(start({"train", config, "run.output_dir=" + r.one}, {}, r.log1));
  const std::string port = std::to_string(free_loopback_port());
  const std::vector<std::string> group = {"WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1",
                                          "MASTER_PORT=" + port};
  auto with = [&](const std::string& rank) {
    std::vector<std::string> env = group;
    env.push_back("RANK=" + rank);
    env.push_back("LOCAL_RANK=" + rank);
    return env;
  };
  const pid_t rank0 = start({"train", config, "run.output_dir=" + r.two}, with("0"), r.log_rank0);
  const pid_t rank1 = start({"train", config, "run.output_dir=" + r.two}, with("1"), r.log_rank1);
  r.exit_rank0 = wait_exit(rank0);
  r.exit_rank1 = wait_exit(rank1);
  return r;
}

double max_difference(const std::map<std::string, torch::Tensor>& a,
                      const std::map<std::string, torch::Tensor>& b) {
  double most = 0;
  for (const auto& [name, t] : a) {
    if (!b.count(name) || !t.is_floating_point()) continue;
    most = std::max(most, (t - b.at(name)).abs().max().item<double>());
  }
  return most;
}

TEST(DataParallel, TwoProcessesWithHalfABatchEachEndWithTheWeightsOfOneProcess) {
  testing::TempDir dir;
  const Runs r = train_both_ways(dir, write_config(dir, "name = \"test_plain_cnn\""));
  ASSERT_EQ(r.exit1, 0) << read_text(r.log1);
  ASSERT_EQ(r.exit_rank0, 0) << read_text(r.log_rank0);
  ASSERT_EQ(r.exit_rank1, 0) << read_text(r.log_rank1);
  const auto one = weights_under(r.one), two = weights_under(r.two);
  ASSERT_FALSE(one.empty());
  ASSERT_EQ(one.size(), two.size());
  // 8 SGD steps with momentum; only the order of float additions differs.
  for (const auto& [name, t] : one) {
    EXPECT_TRUE(torch::allclose(t, two.at(name), 1e-4, 1e-5))
        << name << ": largest difference " << (t - two.at(name)).abs().max().item<double>();
  }
  // Rank 1 printed and wrote nothing; rank 0 recorded the group.
  EXPECT_EQ(read_text(r.log_rank1), "");
  const record::RunRecord record = read_run_record(record_under(r.two));
  EXPECT_EQ(record.environment().world_size(), 2);
  EXPECT_EQ(record.environment().batchnorm(), "none in the model");
}

TEST(DataParallel, RecordsTheGroupAndBatchNormPerProcessWhichMakesADocumentedDifference) {
  testing::TempDir dir;
  const Runs r = train_both_ways(dir, write_config(dir, "name = \"resnet18\"\nwidth = 2"));
  ASSERT_EQ(r.exit1, 0) << read_text(r.log1);
  ASSERT_EQ(r.exit_rank0, 0) << read_text(r.log_rank0);
  ASSERT_EQ(r.exit_rank1, 0) << read_text(r.log_rank1);
  const record::RunRecord record = read_run_record(record_under(r.two));
  EXPECT_EQ(record.environment().world_size(), 2);
  EXPECT_EQ(record.environment().launcher(), "torchrun environment");
  EXPECT_EQ(record.environment().batchnorm(), "per process");
  // Batch norm normalises each process's 8 images, not the batch's 16: the
  // weights part from a single process's, far beyond float rounding.
  EXPECT_GT(max_difference(weights_under(r.one), weights_under(r.two)), 1e-3);
}

TEST(DataParallel, AProcessWhoseOthersNeverArriveFailsWithinTheTimeout) {
  testing::TempDir dir;
  std::string config = write_config(dir, "name = \"test_plain_cnn\"");
  const std::string port = std::to_string(free_loopback_port());
  const pid_t alone =
      start({"train", config, "run.distributed_timeout=10"},
            {"WORLD_SIZE=2", "RANK=0", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + port},
            dir.file("alone.log"));
  EXPECT_EQ(wait_exit(alone), 1);
  const std::string log = read_text(dir.file("alone.log"));
  EXPECT_NE(log.find("rank 0 of 2 could not meet the others at 127.0.0.1:" + port + " within 10 s"),
            std::string::npos)
      << log;
}

TEST(DataParallel, WhenAProcessDiesTheOtherFailsSayingSo) {
  testing::TempDir dir;
  std::string config = write_config(dir, "name = \"test_plain_cnn\"");
  const std::string port = std::to_string(free_loopback_port());
  auto env = [&](const char* rank) {
    return std::vector<std::string>{"WORLD_SIZE=2", std::string("RANK=") + rank,
                                    "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + port};
  };
  // Its own output folder: a run left behind by another test (or an earlier,
  // interrupted one) must not hold this run's lock.
  const std::vector<std::string> args = {"train", config, "train.epochs=100000",
                                         "dataset.train_size=240",
                                         "run.output_dir=" + dir.file("runs")};
  const pid_t rank0 = start(args, env("0"), dir.file("rank0.log"));
  const pid_t rank1 = start(args, env("1"), dir.file("rank1.log"));
  // Once training runs (rank 0 has logged an epoch), rank 1 dies.
  for (int i = 0; i < 600 && read_text(dir.file("rank0.log")).find("epoch 1/") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(rank1, SIGKILL);
  wait_exit(rank1);
  EXPECT_EQ(wait_exit(rank0), 1);
  const std::string log = read_text(dir.file("rank0.log"));
  EXPECT_NE(log.find("rank 0 of 2: "), std::string::npos) << log;
  EXPECT_NE(log.find("another process died or did not answer within 20 s"), std::string::npos)
      << log;
}

TEST(DataParallel, ASigtermToOneProcessStopsTheGroupAtOneStepAndItResumesExactly) {
  testing::TempDir dir;
  const std::string config = write_config(dir, "name = \"test_plain_cnn\"");
  const std::vector<std::string> longer = {"train.epochs=40", "dataset.train_size=240"};
  auto run_group = [&](const std::string& out, bool stop_rank1) {
    const std::string port = std::to_string(free_loopback_port());
    auto env = [&](const char* rank) {
      return std::vector<std::string>{"WORLD_SIZE=2", std::string("RANK=") + rank,
                                      "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + port};
    };
    std::vector<std::string> args = {"train", config, "run.output_dir=" + out};
    args.insert(args.end(), longer.begin(), longer.end());
    const std::string log0 = out + "-rank0.log";
    const pid_t rank0 = start(args, env("0"), log0);
    const pid_t rank1 = start(args, env("1"), out + "-rank1.log");
    if (stop_rank1) {
      // A scheduler signals one process; it is mid-epoch once rank 0 logged one.
      for (int i = 0; i < 600 && read_text(log0).find("epoch 2/") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      ::kill(rank1, SIGTERM);
    }
    return std::make_pair(wait_exit(rank0), wait_exit(rank1));
  };
  const auto whole = run_group(dir.file("whole"), false);
  ASSERT_EQ(whole, std::make_pair(0, 0)) << read_text(dir.file("whole-rank0.log"));
  const auto stopped = run_group(dir.file("stopped"), true);
  EXPECT_EQ(stopped, std::make_pair(128 + SIGTERM, 128 + SIGTERM))
      << read_text(dir.file("stopped-rank0.log"));
  const std::string log = read_text(dir.file("stopped-rank0.log"));
  EXPECT_NE(log.find("stopped by signal 15 in epoch"), std::string::npos) << log;
  const auto resumed = run_group(dir.file("stopped"), false);
  ASSERT_EQ(resumed, std::make_pair(0, 0)) << read_text(dir.file("stopped-rank0.log"));
  EXPECT_NE(read_text(dir.file("stopped-rank0.log")).find("(resuming after epoch"),
            std::string::npos);
  const auto a = weights_under(dir.file("whole")), b = weights_under(dir.file("stopped"));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(max_difference(a, b), 0.0) << "a resumed group must end where an unbroken one does";
}

TEST(DataParallel, CombinationsThatCannotWorkAreErrors) {
  testing::TempDir dir;
  const std::string config = write_config(dir, "name = \"test_plain_cnn\"");
  std::string out, err;
  const std::vector<std::string> plugins = {"--plugin-path", NEUROREG_SUPPORT_PLUGIN_DIR};
  auto run = [&](std::vector<std::string> args) {
    args.push_back("run.output_dir=" + dir.file("runs"));
    args.insert(args.end(), plugins.begin(), plugins.end());
    return testing::cli(args, &out, &err);
  };
  EXPECT_EQ(run({"train", config, "--jobs", "2"}), 1);
  EXPECT_NE(err.find("drop --jobs"), std::string::npos) << err;
  EXPECT_EQ(run({"train", config, "--executor", "slurm", "--dry-run"}), 1);
  EXPECT_NE(err.find("launch a data-parallel run with srun"), std::string::npos) << err;
  // Two srun tasks of a run that is not data-parallel would train the same cells.
  setenv("SLURM_NTASKS", "2", 1);
  setenv("SLURM_PROCID", "0", 1);
  EXPECT_EQ(run({"train", config, "run.distributed=false"}), 1);
  unsetenv("SLURM_NTASKS");
  unsetenv("SLURM_PROCID");
  EXPECT_NE(err.find("srun started 2 tasks of this command, but [run] distributed is false"),
            std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(dir.file("runs"))) << "nothing may be written";
}

TEST(DataParallel, ReadsTorchrunAndSrunEnvironments) {
  EXPECT_EQ(first_slurm_host("node[03-05,9],gpu1"), "node03");
  EXPECT_EQ(first_slurm_host("gpu7"), "gpu7");
  EXPECT_EQ(first_slurm_host("a1,b[2-3]"), "a1");
  for (const char* v :
       {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_PROCID",
        "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_JOB_NODELIST", "SLURM_JOB_ID"}) {
    unsetenv(v);
  }
  EXPECT_EQ(distributed_env().world_size, 1);
  setenv("SLURM_PROCID", "1", 1);
  setenv("SLURM_NTASKS", "4", 1);
  setenv("SLURM_LOCALID", "1", 1);
  setenv("SLURM_JOB_NODELIST", "node[07-08]", 1);
  setenv("SLURM_JOB_ID", "123456", 1);
  DistributedEnv e = distributed_env();
  EXPECT_EQ(e.rank, 1);
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.master_addr, "node07");
  EXPECT_EQ(e.master_port, 20000 + 123456 % 20000);
  EXPECT_EQ(e.launcher, "srun");
  // torchrun's variables win over srun's.
  setenv("WORLD_SIZE", "2", 1);
  setenv("RANK", "5", 1);
  setenv("MASTER_ADDR", "10.0.0.1", 1);
  setenv("MASTER_PORT", "29500", 1);
  try {
    distributed_env();
    ADD_FAILURE() << "RANK 5 of 2 accepted";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("RANK must be a whole number in 0..1, got '5'"),
              std::string::npos)
        << error.what();
  }
  setenv("RANK", "1", 1);
  e = distributed_env();
  EXPECT_EQ(e.launcher, "torchrun environment");
  EXPECT_EQ(e.master_port, 29500);
  for (const char* v : {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "SLURM_PROCID",
                        "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_JOB_NODELIST", "SLURM_JOB_ID"}) {
    unsetenv(v);
  }
}

}  // namespace
}  // namespace neuroreg
