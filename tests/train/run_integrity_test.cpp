// Run folders that can be trusted: records and checkpoints are verified, tied
// to their run and committed together; one writer at a time; a stopped run
// resumes from the very step it stopped at.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <neuroreg/sdk/zip_archive.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "experiment/run_folder.h"
#include "record/record_io.h"
#include "runtime/stop_signals.h"
#include "support/builtin_plugins.h"
#include "support/cli_runner.h"
#include "support/grid_configs.h"

extern char** environ;

namespace neuroreg {
namespace {

namespace fs = std::filesystem;
using testing::cli;
using testing::TempDir;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// One regularizer, 3 epochs of 16 steps on synthetic data.
std::string write_config(const TempDir& dir, const std::string& name) {
  const std::string path = dir.file(name + ".toml");
  std::ofstream(path) << testing::SmallGrid()
                             .name(name)
                             .output_dir(dir.file("runs"))
                             .dataset("train_images = 256")
                             .train("epochs = 3\nbatch_size = 16\nlog_every = 0")
                             .eval("noise_sigmas = [0.2]")
                             .regularizers({"name = \"pixel\"\nalpha = 2"})
                             .toml();
  return path;
}

bool is_cell(const fs::directory_entry& entry) {
  return entry.is_directory() && fs::exists(entry.path() / "train.log");
}

// The one cell folder of a single-regularizer comparison.
std::string only_cell(const std::string& comparison) {
  for (const auto& entry : fs::directory_iterator(comparison)) {
    if (is_cell(entry)) return entry.path().string();
  }
  return "";
}

record::RunRecord sample_record() {
  record::RunRecord r;
  *r.mutable_versions() = current_versions();
  r.set_started_at(utc_now());
  r.set_run_name("sample");
  r.add_epochs()->set_loss(1.5);
  return r;
}

TEST(RunRecordChecksum, AChangedByteOrACutIsAnErrorNamingTheFile) {
  TempDir dir;
  const std::string path = dir.file("record.pb");
  write_run_record(path, sample_record());
  EXPECT_EQ(read_run_record(path).epochs(0).loss(), 1.5);
  const std::string good = read_bytes(path);

  std::string changed = good;
  changed[changed.find("sample")] = 'S';  // still a valid record, other values
  write_bytes(path, changed);
  try {
    read_run_record(path);
    FAIL() << "a changed record was read";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              path +
                  ": checksum mismatch: the file changed after it was written (damaged on "
                  "disk or edited); its values cannot be trusted");
  }
  // Cut just before the checksum: every other field is still whole.
  write_bytes(path, good.substr(0, good.size() - 6));
  try {
    read_run_record(path);
    FAIL() << "a truncated record was read";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), path +
                                         ": the record's checksum is missing (the file was cut "
                                         "short or rewritten by another tool)");
  }
  // Records written before checksums (format 1) still read.
  record::RunRecord old = sample_record();
  old.mutable_versions()->set_record_format(0);
  std::string bytes;
  ASSERT_TRUE(old.SerializeToString(&bytes));
  write_bytes(path, bytes);
  EXPECT_EQ(read_run_record(path).run_name(), "sample");
}

TEST(RunFolderLock, ASecondWriterFailsAtOnceNamingTheHolder) {
  TempDir dir;
  const std::string run = dir.file("run");
  fs::create_directories(run);
  write_bytes(run + "/checkpoint.pt.tmp.12345", "left by a killed writer");
  write_bytes(run + "/notes.tmp.txt", "not a temporary of ours");
  {
    RunFolderLock first(run);
    EXPECT_EQ(first.removed_temporaries(), 1);
    EXPECT_FALSE(fs::exists(run + "/checkpoint.pt.tmp.12345"));
    EXPECT_TRUE(fs::exists(run + "/notes.tmp.txt"));
    try {
      RunFolderLock second(run);
      FAIL() << "two writers held one run folder";
    } catch (const std::runtime_error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(run + ": another process is writing this run: pid " +
                                  std::to_string(::getpid()) + " on ",
                              0),
                0u)
          << message;
      EXPECT_NE(message.find("Wait for it to finish or stop it (its lock, " + run +
                             "/lock, goes with it)"),
                std::string::npos)
          << message;
    }
  }
  RunFolderLock again(run);  // released with its holder
}

TEST(CheckpointIntegrity, AFlippedByteInAnArchiveIsFoundBeforeLoading) {
  TempDir dir;
  const std::string path = dir.file("model.pt");
  torch::serialize::OutputArchive archive;
  archive.write("weights", torch::arange(4096, torch::kFloat));
  archive.save_to(path);
  EXPECT_EQ(sdk::zip_archive_problem(path), "");
  std::string bytes = read_bytes(path);
  const size_t at = bytes.size() / 2;  // inside the tensor's 16 KiB
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  write_bytes(path, bytes);
  const std::string problem = sdk::zip_archive_problem(path);
  EXPECT_NE(problem.find(path + ": damaged archive (entry "), std::string::npos) << problem;
  EXPECT_NE(problem.find("/data/0 does not match its CRC-32)"), std::string::npos) << problem;
  write_bytes(path, bytes.substr(0, bytes.size() - 30));
  EXPECT_NE(sdk::zip_archive_problem(path).find("no zip directory at its end: cut short?"),
            std::string::npos);
}

// A run stopped by SIGTERM mid-epoch exits 143 saying how to resume, and the
// resumed run ends with exactly the weights of an uninterrupted one.
TEST(StopSignal, SigtermCheckpointsMidEpochAndTheResumedRunMatchesAStraightOne) {
  TempDir dir;
  std::string out, err;
  ASSERT_EQ(cli({"train", write_config(dir, "straight")}, &out, &err), 0) << err;

  const std::string config = write_config(dir, "stopped");
  const std::string log = dir.file("stopped.err");
  std::vector<std::string> args = {NEUROREG_CLI,        "train",         config,
                                   "train.log_every=1", "--plugin-path", NEUROREG_PLUGIN_DIR};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0);
  pid_t child = 0;
  ASSERT_EQ(posix_spawn(&child, NEUROREG_CLI, &files, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&files);
  // Stop it once its second epoch has begun: train.log has a step of epoch 2.
  auto in_second_epoch = [&] {
    if (!fs::exists(dir.file("runs/stopped"))) return false;
    const std::string cell = only_cell(dir.file("runs/stopped"));
    return !cell.empty() &&
           read_bytes(cell + "/train.log").find("epoch 2/3  step 2/") != std::string::npos;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (!in_second_epoch() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(child, SIGTERM);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed instead of stopping";
  ASSERT_EQ(WEXITSTATUS(status), 128 + SIGTERM) << read_bytes(log);
  const std::string message = read_bytes(log);
  EXPECT_NE(message.find("stopped by signal 15 in epoch 2 after step "), std::string::npos)
      << message;
  EXPECT_NE(message.find("Run the same command again to resume from there"), std::string::npos);
  const std::string cell = only_cell(dir.file("runs/stopped"));
  EXPECT_EQ(read_run_record(cell).epochs_size(), 1);
  EXPECT_FALSE(fs::exists(cell + "/model.pt"));

  ASSERT_EQ(cli({"train", config, "train.log_every=1"}, &out, &err), 0) << err;
  const record::RunRecord resumed = read_run_record(cell);
  const record::RunRecord straight = read_run_record(only_cell(dir.file("runs/straight")));
  EXPECT_EQ(resumed.attempts(), 2);
  ASSERT_EQ(resumed.epochs_size(), 3);
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(resumed.epochs(e).loss(), straight.epochs(e).loss()) << "epoch " << e + 1;
    EXPECT_EQ(resumed.epochs(e).train_accuracy(), straight.epochs(e).train_accuracy());
  }
  // Equal losses in epochs 2 and 3 mean the same weights at every step.
  EXPECT_EQ(resumed.evaluation().clean_accuracy(), straight.evaluation().clean_accuracy());
}

// The checkpoint carries the record: a kill between the checkpoint's rename
// and the record's loses no epoch, and a checkpoint of another run is refused.
TEST(CheckpointIntegrity, TheCheckpointCarriesTheRecordAndBelongsToItsRun) {
  TempDir dir;
  std::string out, err;
  const std::string config = write_config(dir, "run");
  ASSERT_EQ(cli({"train", config, "train.epochs=2"}, &out, &err), 0) << err;
  const std::string cell = only_cell(dir.file("runs/run"));
  const record::RunRecord finished = read_run_record(cell);
  ASSERT_EQ(finished.epochs_size(), 2);

  // As if killed after the last checkpoint's rename, before the record's:
  // the record on disk lacks the last epoch and the evaluation.
  record::RunRecord behind = finished;
  behind.mutable_epochs()->RemoveLast();
  behind.clear_evaluation();
  write_run_record(cell + "/record.pb", behind);
  ASSERT_EQ(cli({"train", config, "train.epochs=2"}, &out, &err), 0) << err;
  record::RunRecord healed = read_run_record(cell);
  ASSERT_EQ(healed.epochs_size(), 2);
  EXPECT_EQ(healed.epochs(1).loss(), finished.epochs(1).loss());
  EXPECT_EQ(healed.attempts(), 2);

  // As if killed after the first checkpoint, before any record.
  fs::remove(cell + "/record.pb");
  ASSERT_EQ(cli({"train", config, "train.epochs=2"}, &out, &err), 0) << err;
  EXPECT_EQ(read_run_record(cell).epochs_size(), 2);

  // A checkpoint from another run (another width) in this run's folder.
  ASSERT_EQ(cli({"train", config, "train.epochs=2", "backbone.width=4"}, &out, &err), 0) << err;
  std::string other;
  for (const auto& entry : fs::directory_iterator(dir.file("runs/run"))) {
    if (is_cell(entry) && entry.path().string() != cell) other = entry.path().string();
  }
  ASSERT_FALSE(other.empty());
  fs::copy_file(other + "/checkpoint.pt", cell + "/checkpoint.pt",
                fs::copy_options::overwrite_existing);
  write_run_record(cell + "/record.pb", behind);
  EXPECT_EQ(cli({"train", config, "train.epochs=2"}, &out, &err), 1);
  EXPECT_NE(err.find(cell + "/checkpoint.pt was written by another run than grid cell "),
            std::string::npos)
      << err;

  // A checkpoint cut short (a full disk) is refused before it is loaded.
  const std::string bytes = read_bytes(other + "/checkpoint.pt");
  write_bytes(cell + "/checkpoint.pt", bytes.substr(0, bytes.size() - 100));
  EXPECT_EQ(cli({"train", config, "train.epochs=2"}, &out, &err), 1);
  EXPECT_NE(err.find(cell + "/checkpoint.pt: damaged archive (no zip directory at its end: cut "
                            "short?); it cannot be used"),
            std::string::npos)
      << err;
}

}  // namespace
}  // namespace neuroreg
