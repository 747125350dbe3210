// TensorBoard event files, checked by an independent reader
// (tests/record/read_tfevents.py: Python, crcmod and a hand-written protobuf
// decoder), so a mistake shared by our writer and our .proto cannot pass.
#include "record/tensorboard_writer.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "train/training_events.h"
#include "support/builtin_plugins.h"
#include "train/trainer.h"

namespace neuroreg {
namespace {

constexpr const char* kPython = "/usr/bin/python3";

struct Reader {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Reader run(const std::string& command) {
  Reader r;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) r.output.append(buffer, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The reader is part of the test suite: a machine without it must fail the
// test, not skip it, or the format would go unchecked.
::testing::AssertionResult reader_available() {
  if (::access(kPython, X_OK) != 0) {
    return ::testing::AssertionFailure()
           << kPython << " is missing; run tools/setup (it installs python3 and python3-crcmod)";
  }
  const Reader r = run(std::string(kPython) + " -c 'import crcmod.predefined'");
  if (r.exit_code != 0) {
    return ::testing::AssertionFailure()
           << "python3-crcmod is missing (" << r.output << "); run tools/setup";
  }
  return ::testing::AssertionSuccess();
}

Reader read_events(const std::string& path) {
  return run(std::string(kPython) + " '" + NEUROREG_SOURCE_DIR +
             "/tests/record/read_tfevents.py' '" + path + "'");
}

struct Scalar {
  std::string tag;
  int64_t step;
  double value;
};

/// The reader's output: the file_version line, then one scalar per line.
std::vector<Scalar> parse(const std::string& output, std::string* file_version) {
  std::istringstream in(output);
  std::string line;
  std::vector<Scalar> scalars;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string tag, step, value;
    std::getline(fields, tag, '\t');
    std::getline(fields, step, '\t');
    if (tag == "file_version") {
      *file_version = step;
      continue;
    }
    std::getline(fields, value, '\t');
    scalars.push_back({tag, std::stoll(step), std::stod(value)});
  }
  return scalars;
}

/// What TensorBoard stores for `value`: a float32.
double f32(double value) { return static_cast<double>(static_cast<float>(value)); }

void expect_scalars(const std::vector<Scalar>& got, const std::vector<Scalar>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].tag, want[i].tag) << "scalar " << i;
    EXPECT_EQ(got[i].step, want[i].step) << want[i].tag;
    EXPECT_EQ(got[i].value, f32(want[i].value)) << want[i].tag;
  }
}

std::vector<Scalar> read_scalars(const std::string& path) {
  const Reader r = read_events(path);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::string version;
  std::vector<Scalar> scalars = parse(r.output, &version);
  EXPECT_EQ(version, "brain.Event:2");
  return scalars;
}

TEST(TensorBoardWriter, WritesScalarsTheIndependentReaderDecodes) {
  ASSERT_TRUE(reader_available());
  testing::TempDir dir;
  const std::string long_tag = "long/" + std::string(200, 'x');  // a two-byte length varint
  const std::vector<Scalar> want = {
      {"train/loss", 0, 0.1},
      {"train/loss", 1, 0.0},  // zero must still be written, or TensorBoard drops the point
      {"a/negative", 300, -3.25e6},
      {long_tag, int64_t{1} << 40, 1e-7},
  };
  std::string path;
  {
    TensorBoardWriter writer(dir.file("runs/demo/none"));  // created with its parents
    path = writer.path();
    for (const Scalar& s : want) writer.add_scalar(s.tag, s.value, s.step);
  }
  const std::string name = std::filesystem::path(path).filename().string();
  EXPECT_EQ(std::filesystem::path(path).parent_path(), dir.file("runs/demo/none"));
  EXPECT_EQ(name.rfind("events.out.tfevents.", 0), 0u) << name;
  EXPECT_EQ(name.substr(name.rfind('.') + 1), std::to_string(::getpid())) << name;
  expect_scalars(read_scalars(path), want);
}

TEST(TensorBoardWriter, FlushMakesEventsVisibleWhileTheFileIsOpen) {
  ASSERT_TRUE(reader_available());
  testing::TempDir dir;
  TensorBoardWriter writer(dir.path());
  writer.add_scalar("epoch/loss", 2.5, 10);
  writer.flush();
  expect_scalars(read_scalars(writer.path()), {{"epoch/loss", 10, 2.5}});
}

TEST(TensorBoardEvents, StepAndEpochEventsCarryEveryTagAndValue) {
  ASSERT_TRUE(reader_available());
  testing::TempDir dir;
  StepProgress progress;
  progress.epoch = 0;
  progress.epochs = 2;
  progress.step = 7;
  progress.steps = 10;
  progress.global_step = 7;
  progress.learning_rate = 0.1;
  progress.last = {1.5, 1.25, 0.0125, 3, 4};
  progress.sum = {10, 9, 0.1, 20, 28};
  progress.images_per_second = 123.5;

  record::EpochMetrics validated;
  validated.set_loss(1.75);
  validated.set_task_loss(1.5);
  validated.set_regularizer_loss(0.0125);
  validated.set_train_accuracy(0.625);
  validated.set_has_validation(true);
  validated.set_validation_accuracy(0.5);
  validated.set_learning_rate(0.1);
  validated.set_images_per_second(120.25);
  (*validated.mutable_diagnostics())["gamma/conv13"] = 0.75;
  (*validated.mutable_diagnostics())["gamma/conv5"] = 0.25;

  record::EpochMetrics unvalidated = validated;
  unvalidated.set_has_validation(false);
  unvalidated.clear_diagnostics();

  std::string path;
  {
    TensorBoardWriter writer(dir.path());
    path = writer.path();
    write_step_events(writer, progress);
    write_epoch_events(writer, validated, 10);
    write_epoch_events(writer, unvalidated, 20);
  }
  const std::vector<Scalar> want = {
      {"train/loss", 7, 1.5},
      {"train/task_loss", 7, 1.25},
      {"train/regularizer_loss", 7, 0.0125},
      {"train/batch_accuracy", 7, 0.75},
      {"train/learning_rate", 7, 0.1},
      {"train/images_per_second", 7, 123.5},
      {"epoch/loss", 10, 1.75},
      {"epoch/task_loss", 10, 1.5},
      {"epoch/regularizer_loss", 10, 0.0125},
      {"epoch/train_accuracy", 10, 0.625},
      {"epoch/validation_accuracy", 10, 0.5},
      {"epoch/learning_rate", 10, 0.1},
      {"epoch/images_per_second", 10, 120.25},
      {"gamma/conv5", 10, 0.25},
      {"gamma/conv13", 10, 0.75},
      {"epoch/loss", 20, 1.75},
      {"epoch/task_loss", 20, 1.5},
      {"epoch/regularizer_loss", 20, 0.0125},
      {"epoch/train_accuracy", 20, 0.625},
      {"epoch/learning_rate", 20, 0.1},
      {"epoch/images_per_second", 20, 120.25},
  };
  expect_scalars(read_scalars(path), want);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Proves the reader's CRC checks can fail: without this, a reader that
// checked nothing would pass every other test.
TEST(TensorBoardWriter, AFlippedByteFailsTheReadersCrcCheck) {
  ASSERT_TRUE(reader_available());
  testing::TempDir dir;
  std::string path;
  {
    TensorBoardWriter writer(dir.path());
    path = writer.path();
    writer.add_scalar("train/loss", 0.5, 3);
  }
  ASSERT_EQ(read_events(path).exit_code, 0);
  const std::string good = read_bytes(path);
  // The second record starts after the first: 8 + 4 + its length + 4.
  const size_t second = 16 + static_cast<unsigned char>(good[0]);
  ASSERT_LT(second + 16, good.size());
  const struct {
    size_t offset;
    const char* message;
  } flips[] = {
      {second + 1, "length CRC mismatch in the record at byte "},     // the length
      {second + 14, "data CRC mismatch in the record at byte "},      // the event
      {good.size() - 1, "data CRC mismatch in the record at byte "},  // the data CRC
  };
  for (const auto& flip : flips) {
    std::string bad = good;
    bad[flip.offset] ^= 0x01;
    write_bytes(path, bad);
    const Reader r = read_events(path);
    EXPECT_NE(r.exit_code, 0) << "flipped byte " << flip.offset;
    EXPECT_NE(r.output.find(flip.message + std::to_string(second)), std::string::npos)
        << "flipped byte " << flip.offset << ": " << r.output;
  }
}

TEST(TensorBoardWriter, UnwritableFolderNamesThePath) {
  testing::TempDir dir;
  // A regular file where a folder should be: fails even for root, unlike
  // permissions.
  write_bytes(dir.file("plain"), "x");
  const std::string folder = dir.file("plain/runs");
  try {
    TensorBoardWriter writer(folder);
    FAIL() << "no error for " << folder;
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              folder + ": cannot create TensorBoard folder: " +
                  std::make_error_code(std::errc::not_a_directory).message());
  }
}

}  // namespace
}  // namespace neuroreg
