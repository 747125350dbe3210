// The CIFAR binary reader and the `cifar10` / `cifar100` datasets through the
// real loader, on tiny files written here byte by byte in the official record
// format (label byte(s), then 1024 red, 1024 green, 1024 blue bytes).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cifar_reader.h"
#include "data/task_data.h"
#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

using datasets::check_cifar_labels;
using datasets::cifar_to_float;
using datasets::CifarRecords;
using datasets::read_cifar_class_names;
using datasets::read_cifar_file;
using sdk::ComponentKind;
using testing::TempDir;

constexpr int kPlane = 32 * 32;

using Rgb = std::array<uint8_t, 3>;

/// One record: the label bytes, then the three colour planes of an image
/// whose pixel i (row-major) is `pixel(i)`.
template <typename Pixel>
std::string record(const std::vector<uint8_t>& labels, Pixel pixel) {
  std::string bytes(labels.begin(), labels.end());
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < kPlane; ++i) bytes += static_cast<char>(pixel(i)[c]);
  }
  return bytes;
}

/// A record whose image is one colour.
std::string uniform(const std::vector<uint8_t>& labels, Rgb colour) {
  return record(labels, [&](int) { return colour; });
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path);
  for (const std::string& line : lines) out << line << "\n";
}

/// The luminance the plugin promises, written out independently.
float luminance(Rgb p) {
  return static_cast<float>((0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]) / 255.0);
}

/// The message of the exception of type E that `run` throws.
template <typename E, typename F>
std::string error_of(F run) {
  try {
    run();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

std::shared_ptr<sdk::Dataset> make_dataset(const std::string& name,
                                           const std::map<std::string, sdk::OptionValue>& options) {
  const Registry& registry = testing::builtin_registry();
  return registry.make_dataset(name, registry.defaults(ComponentKind::kDataset, name, options), {});
}

// ---------------------------------------------------------------- the reader

TEST(CifarReader, ReadsImagesPlaneByPlaneAndLabelsInFileOrder) {
  TempDir dir;
  const std::string path = dir.file("batch.bin");
  auto value = [](int k, int c, int i) {
    return static_cast<uint8_t>((c * kPlane + i) * 7 + k * 13);
  };
  std::string bytes;
  for (int k = 0; k < 2; ++k) {
    bytes += record({static_cast<uint8_t>(k == 0 ? 7 : 3)}, [&](int i) {
      return Rgb{value(k, 0, i), value(k, 1, i), value(k, 2, i)};
    });
  }
  write_file(path, bytes);

  const CifarRecords records = read_cifar_file(path, 1);
  ASSERT_EQ(records.images.sizes(), (std::vector<int64_t>{2, 3, 32, 32}));
  EXPECT_EQ(records.images.scalar_type(), torch::kUInt8);
  ASSERT_EQ(records.labels.size(), 1u);
  EXPECT_TRUE(records.labels[0].equal(torch::tensor({7, 3}, torch::kInt64)));
  for (int k = 0; k < 2; ++k) {
    for (int c = 0; c < 3; ++c) {
      SCOPED_TRACE("record " + std::to_string(k) + " channel " + std::to_string(c));
      // Row 1, column 2 is byte 32 + 2 of its plane.
      EXPECT_EQ(records.images[k][c][1][2].item<uint8_t>(), value(k, c, 34));
      EXPECT_EQ(records.images[k][c][31][31].item<uint8_t>(), value(k, c, kPlane - 1));
    }
  }
}

TEST(CifarReader, ReadsBothLabelBytesOfCifar100Records) {
  TempDir dir;
  const std::string path = dir.file("train.bin");
  write_file(path, uniform({19, 99}, {1, 2, 3}) + uniform({0, 0}, {4, 5, 6}) +
                       uniform({4, 55}, {7, 8, 9}));
  const CifarRecords records = read_cifar_file(path, 2);
  EXPECT_EQ(records.size(), 3);
  ASSERT_EQ(records.labels.size(), 2u);
  EXPECT_TRUE(records.labels[0].equal(torch::tensor({19, 0, 4}, torch::kInt64)));
  EXPECT_TRUE(records.labels[1].equal(torch::tensor({99, 0, 55}, torch::kInt64)));
  EXPECT_EQ(records.images[2][1][0][0].item<uint8_t>(), 8);
}

TEST(CifarReader, NamesTheFileAndRecordSizeWhenTheSizeIsNoWholeNumberOfRecords) {
  TempDir dir;
  const std::string path = dir.file("data_batch_3.bin");
  write_file(path, uniform({1}, {0, 0, 0}) + "xy");
  EXPECT_EQ(error_of<std::runtime_error>([&] { read_cifar_file(path, 1); }),
            path +
                ": size 3075 bytes is not a whole number of 3073-byte records "
                "(1 label byte + 3072 image bytes)");
  EXPECT_EQ(error_of<std::runtime_error>([&] { read_cifar_file(path, 2); }),
            path +
                ": size 3075 bytes is not a whole number of 3074-byte records "
                "(2 label bytes + 3072 image bytes)");
}

TEST(CifarReader, RefusesAnEmptyFile) {
  TempDir dir;
  const std::string path = dir.file("test_batch.bin");
  write_file(path, "");
  EXPECT_EQ(error_of<std::runtime_error>([&] { read_cifar_file(path, 1); }),
            path +
                ": size 0 bytes holds no records; expected a whole number (at least one) of "
                "3073-byte records (1 label byte + 3072 image bytes)");
}

TEST(CifarReader, NamesAMissingFileAndAFolder) {
  TempDir dir;
  EXPECT_EQ(error_of<std::runtime_error>([&] { read_cifar_file(dir.file("nowhere.bin"), 1); }),
            dir.file("nowhere.bin") + ": no such file");
  EXPECT_EQ(error_of<std::runtime_error>([&] { read_cifar_file(dir.path(), 1); }),
            dir.path() + ": is a directory, expected a file");
  EXPECT_EQ(error_of<std::invalid_argument>([&] { read_cifar_file(dir.path(), 3); }),
            "read_cifar_file: label_bytes must be 1 (CIFAR-10) or 2 (CIFAR-100), got 3");
}

TEST(CifarReader, NamesTheFirstRecordWithALabelOutOfRange) {
  TempDir dir;
  const std::string path = dir.file("b.bin");
  write_file(path, uniform({1}, {}) + uniform({10}, {}) + uniform({255}, {}));
  const CifarRecords records = read_cifar_file(path, 1);
  EXPECT_EQ(
      error_of<std::runtime_error>([&] { check_cifar_labels(records, path, 0, 10, "label"); }),
      path +
          ": record 1 (at byte 3073) has label 10, expected 0..9 (2 of 3 records out of "
          "range)");
  check_cifar_labels(records, path, 0, 256, "label");  // no error
}

TEST(CifarReader, ConvertsToLuminanceRoundedOnceToFloat) {
  const std::vector<Rgb> pixels = {{255, 0, 0}, {0, 255, 0},   {0, 0, 255},    {255, 255, 255},
                                   {0, 0, 0},   {10, 200, 77}, {128, 128, 128}};
  torch::Tensor images =
      torch::empty({1, 3, 1, static_cast<int64_t>(pixels.size())}, torch::kUInt8);
  for (size_t i = 0; i < pixels.size(); ++i) {
    for (int c = 0; c < 3; ++c)
      images[0][c][0][static_cast<int64_t>(i)].fill_(int64_t{pixels[i][c]});
  }
  const torch::Tensor grey = cifar_to_float(images, true);
  ASSERT_EQ(grey.sizes(), (std::vector<int64_t>{1, 1, 1, 7}));
  EXPECT_EQ(grey.scalar_type(), torch::kFloat32);
  EXPECT_EQ(grey[0][0][0][0].item<float>(), 0.299f);
  EXPECT_EQ(grey[0][0][0][1].item<float>(), 0.587f);
  EXPECT_EQ(grey[0][0][0][2].item<float>(), 0.114f);
  EXPECT_EQ(grey[0][0][0][3].item<float>(), 1.0f);
  EXPECT_EQ(grey[0][0][0][4].item<float>(), 0.0f);
  for (size_t i = 0; i < pixels.size(); ++i) {
    EXPECT_EQ(grey[0][0][0][static_cast<int64_t>(i)].item<float>(), luminance(pixels[i])) << i;
  }
  const torch::Tensor rgb = cifar_to_float(images, false);
  EXPECT_EQ(rgb.sizes(), (std::vector<int64_t>{1, 3, 1, 7}));
  EXPECT_TRUE(rgb.equal(images.to(torch::kFloat32) / 255.0));
}

TEST(CifarReader, ReadsOneClassNamePerLineAndChecksTheCount) {
  TempDir dir;
  const std::string path = dir.file("batches.meta.txt");
  std::ofstream(path) << "airplane\r\nautomobile  \n\nbird\n\n";
  EXPECT_EQ(read_cifar_class_names(path, 3),
            (std::vector<std::string>{"airplane", "automobile", "bird"}));
  EXPECT_EQ(error_of<std::runtime_error>([&] { read_cifar_class_names(path, 10); }),
            path + ": 3 class names, expected 10 (one per line)");
}

// ------------------------------------------------------------------ cifar10

/// A fake cifar-10-batches-bin: batches of 2, 1, 3, 1 and 2 records, record j
/// of the training set with label (j * 3) % 10 and a colour of its own; a
/// test batch of 3 records.
class Cifar10Dataset : public ::testing::Test {
 protected:
  static constexpr int kBatchSizes[5] = {2, 1, 3, 1, 2};

  static Rgb colour(int j) {
    return {static_cast<uint8_t>(j * 20), static_cast<uint8_t>(255 - j * 25),
            static_cast<uint8_t>(j * 5 + 1)};
  }

  void SetUp() override {
    int j = 0;
    for (int b = 0; b < 5; ++b) {
      std::string bytes;
      for (int k = 0; k < kBatchSizes[b]; ++k, ++j) {
        bytes += uniform({static_cast<uint8_t>((j * 3) % 10)}, colour(j));
      }
      write_file(batch(b + 1), bytes);
    }
    // Pixels 0..3 of the first test image: red, green, blue, white; the rest black.
    const std::vector<Rgb> corner = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
    write_file(dir_.file("test_batch.bin"), record({9},
                                                   [&](int i) {
                                                     return i < 4 ? corner[i] : Rgb{0, 0, 0};
                                                   }) +
                                                uniform({0}, {10, 200, 77}) +
                                                uniform({5}, {128, 128, 128}));
  }

  std::string batch(int b) const { return dir_.file("data_batch_" + std::to_string(b) + ".bin"); }

  std::shared_ptr<sdk::Dataset> make(bool grayscale = true) const {
    return make_dataset("cifar10", {{"root", dir_.path()}, {"grayscale", grayscale}});
  }

  TempDir dir_;
};

TEST_F(Cifar10Dataset, TrainIsBatches1To5InOrder) {
  sdk::Split train = make()->train();
  ASSERT_EQ(train.images.sizes(), (std::vector<int64_t>{9, 1, 32, 32}));
  EXPECT_EQ(train.images.scalar_type(), torch::kFloat32);
  EXPECT_EQ(train.labels.scalar_type(), torch::kInt64);
  EXPECT_TRUE(train.labels.equal(torch::tensor({0, 3, 6, 9, 2, 5, 8, 1, 4}, torch::kInt64)));
  for (int j = 0; j < 9; ++j) {
    SCOPED_TRACE("record " + std::to_string(j));
    EXPECT_TRUE(train.images[j].eq(luminance(colour(j))).all().item<bool>());
  }
}

TEST_F(Cifar10Dataset, ConvertsTestPixelsToLuminanceExactly) {
  sdk::Split test = make()->test();
  ASSERT_EQ(test.images.sizes(), (std::vector<int64_t>{3, 1, 32, 32}));
  EXPECT_TRUE(test.labels.equal(torch::tensor({9, 0, 5}, torch::kInt64)));
  const torch::Tensor row = test.images[0][0][0];
  EXPECT_EQ(row[0].item<float>(), 0.299f);  // pure red
  EXPECT_EQ(row[1].item<float>(), 0.587f);  // pure green
  EXPECT_EQ(row[2].item<float>(), 0.114f);  // pure blue
  EXPECT_EQ(row[3].item<float>(), 1.0f);    // white
  EXPECT_FLOAT_EQ(test.images[0].sum().item<float>(),
                  0.299f + 0.587f + 0.114f + 1.0f);  // rest black
  EXPECT_EQ(test.images[1][0][31][31].item<float>(),
            static_cast<float>((0.299 * 10 + 0.587 * 200 + 0.114 * 77) / 255.0));
  EXPECT_EQ(test.images[2][0][5][7].item<float>(), luminance({128, 128, 128}));
}

TEST_F(Cifar10Dataset, KeepsTheColourChannelsWhenGrayscaleIsFalse) {
  auto dataset = make(/*grayscale=*/false);
  EXPECT_EQ(dataset->info().channels, 3);
  sdk::Split test = dataset->test();
  ASSERT_EQ(test.images.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  EXPECT_FLOAT_EQ(test.images[0][0][0][0].item<float>(), 1.0f);  // red pixel: R
  EXPECT_EQ(test.images[0][1][0][0].item<float>(), 0.0f);        //            G
  EXPECT_FLOAT_EQ(test.images[0][1][0][1].item<float>(), 1.0f);  // green pixel: G
  EXPECT_FLOAT_EQ(test.images[1][1][9][9].item<float>(), 200.0f / 255.0f);
  EXPECT_EQ(dataset->train().images.size(1), 3);
}

TEST_F(Cifar10Dataset, PassesTheHostsChecks) {
  auto dataset = make();
  const sdk::DatasetInfo info = dataset->info();
  EXPECT_EQ(info.channels, 1);
  EXPECT_EQ(info.num_classes, 10);
  check_split(dataset->train(), info, "cifar10 train");
  check_split(dataset->test(), info, "cifar10 test");
}

TEST_F(Cifar10Dataset, TakesClassNamesFromBatchesMetaOnceItHasReadData) {
  std::vector<std::string> names;
  for (int k = 0; k < 10; ++k) names.push_back("class " + std::to_string(k));
  write_lines(dir_.file("batches.meta.txt"), names);
  auto dataset = make();
  EXPECT_EQ(dataset->info().class_names.at(0), "airplane");  // info() reads no file
  dataset->test();
  EXPECT_EQ(dataset->info().class_names, names);
}

TEST_F(Cifar10Dataset, NamesABatchesMetaWithTheWrongCount) {
  write_lines(dir_.file("batches.meta.txt"), {"cat", "dog"});
  EXPECT_EQ(
      error_of<std::runtime_error>([&] { make()->test(); }),
      "cifar10: " + dir_.file("batches.meta.txt") + ": 2 class names, expected 10 (one per line)");
}

TEST_F(Cifar10Dataset, NamesAMissingBatchAndTheExpectedFiles) {
  std::filesystem::remove(batch(3));
  EXPECT_EQ(error_of<std::runtime_error>([&] { make()->train(); }),
            "cifar10: " + batch(3) +
                ": no such file (expected the CIFAR-10 binary version: data_batch_1.bin … "
                "data_batch_5.bin, test_batch.bin; the official data_batch_3.bin holds 10000 "
                "records of 3073 bytes, 30730000 bytes)");
  EXPECT_EQ(make()->test().size(), 3);  // the test split needs no training batch
}

TEST_F(Cifar10Dataset, NamesABatchWhoseSizeIsNoWholeNumberOfRecords) {
  std::ofstream(batch(3), std::ios::binary | std::ios::app) << "xy";
  EXPECT_EQ(error_of<std::runtime_error>([&] { make()->train(); }),
            "cifar10: " + batch(3) +
                ": size 9221 bytes is not a whole number of 3073-byte records "
                "(1 label byte + 3072 image bytes)");
}

TEST_F(Cifar10Dataset, NamesALabelOutOfRange) {
  write_file(dir_.file("test_batch.bin"), uniform({1}, {}) + uniform({2}, {}) + uniform({10}, {}));
  EXPECT_EQ(error_of<std::runtime_error>([&] { make()->test(); }),
            "cifar10: " + dir_.file("test_batch.bin") +
                ": record 2 (at byte 6146) has label 10, expected 0..9 (1 of 3 records out of "
                "range)");
}

TEST(Cifar10DatasetRoot, ReportsAMissingRootOnlyWhenDataIsRead) {
  auto dataset = make_dataset("cifar10", {{"root", std::string("/nonexistent/cifar")}});
  const sdk::DatasetInfo info = dataset->info();  // reads nothing
  EXPECT_EQ(info.class_names,
            (std::vector<std::string>{"airplane", "automobile", "bird", "cat", "deer", "dog",
                                      "frog", "horse", "ship", "truck"}));
  EXPECT_EQ(error_of<std::runtime_error>([&] { dataset->train(); }),
            "cifar10: root '/nonexistent/cifar' is not a folder (set the option 'root' to the "
            "folder holding the CIFAR-10 binary version: data_batch_1.bin … data_batch_5.bin, "
            "test_batch.bin)");
  EXPECT_EQ(error_of<std::invalid_argument>([] {
              make_dataset("cifar10", {{"root", std::string()}});
            }),
            "cifar10: option 'root' must not be empty");
}

TEST(Cifar10DatasetRoot, RootIsARequiredOption) {
  const sdk::OptionSpec& root =
      testing::builtin_registry().find(ComponentKind::kDataset, "cifar10")->spec.options.at(0);
  EXPECT_EQ(root.name, "root");
  EXPECT_FALSE(root.default_value.has_value());
}

// ----------------------------------------------------------------- cifar100

/// A fake cifar-100-binary: train.bin with 4 records, test.bin with 2, each
/// record's (coarse, fine) labels as listed.
class Cifar100Dataset : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_.file("train.bin"),
               uniform({0, 0}, {255, 0, 0}) + uniform({19, 99}, {0, 255, 0}) +
                   uniform({4, 55}, {0, 0, 255}) + uniform({7, 30}, {255, 255, 255}));
    write_file(dir_.file("test.bin"), uniform({1, 1}, {1, 2, 3}) + uniform({18, 98}, {4, 5, 6}));
  }

  std::shared_ptr<sdk::Dataset> make(const std::string& label = "fine",
                                     bool grayscale = true) const {
    return make_dataset("cifar100",
                        {{"root", dir_.path()}, {"label", label}, {"grayscale", grayscale}});
  }

  TempDir dir_;
};

TEST_F(Cifar100Dataset, UsesTheFineLabelsByDefault) {
  const Registry& registry = testing::builtin_registry();
  auto dataset = registry.make_dataset(
      "cifar100", registry.defaults(ComponentKind::kDataset, "cifar100", {{"root", dir_.path()}}),
      {});
  const sdk::DatasetInfo info = dataset->info();
  EXPECT_EQ(info.num_classes, 100);
  ASSERT_EQ(info.class_names.size(), 100u);
  EXPECT_EQ(info.class_names.front(), "apple");
  EXPECT_EQ(info.class_names.back(), "worm");
  sdk::Split train = dataset->train();
  ASSERT_EQ(train.images.sizes(), (std::vector<int64_t>{4, 1, 32, 32}));
  EXPECT_TRUE(train.labels.equal(torch::tensor({0, 99, 55, 30}, torch::kInt64)));
  EXPECT_EQ(train.images[0][0][3][4].item<float>(), 0.299f);
  EXPECT_EQ(train.images[1][0][3][4].item<float>(), 0.587f);
  EXPECT_EQ(train.images[2][0][3][4].item<float>(), 0.114f);
  EXPECT_EQ(train.images[3][0][3][4].item<float>(), 1.0f);
  sdk::Split test = dataset->test();
  EXPECT_TRUE(test.labels.equal(torch::tensor({1, 98}, torch::kInt64)));
  check_split(train, info, "cifar100 train");
  check_split(test, info, "cifar100 test");
}

TEST_F(Cifar100Dataset, UsesTheCoarseLabelsOnRequest) {
  auto dataset = make("coarse");
  const sdk::DatasetInfo info = dataset->info();
  EXPECT_EQ(info.num_classes, 20);
  ASSERT_EQ(info.class_names.size(), 20u);
  EXPECT_EQ(info.class_names.at(9), "large_man-made_outdoor_things");
  EXPECT_TRUE(dataset->train().labels.equal(torch::tensor({0, 19, 4, 7}, torch::kInt64)));
  EXPECT_TRUE(dataset->test().labels.equal(torch::tensor({1, 18}, torch::kInt64)));
  check_split(dataset->train(), info, "cifar100 coarse train");
}

TEST_F(Cifar100Dataset, KeepsTheColourChannelsWhenGrayscaleIsFalse) {
  auto dataset = make("fine", /*grayscale=*/false);
  EXPECT_EQ(dataset->info().channels, 3);
  sdk::Split test = dataset->test();
  ASSERT_EQ(test.images.sizes(), (std::vector<int64_t>{2, 3, 32, 32}));
  EXPECT_FLOAT_EQ(test.images[1][2][0][0].item<float>(), 6.0f / 255.0f);
}

TEST_F(Cifar100Dataset, TakesClassNamesFromTheNamesFileOfTheUsedLabel) {
  std::vector<std::string> fine, coarse;
  for (int k = 0; k < 100; ++k) fine.push_back("fine " + std::to_string(k));
  for (int k = 0; k < 20; ++k) coarse.push_back("coarse " + std::to_string(k));
  write_lines(dir_.file("fine_label_names.txt"), fine);
  write_lines(dir_.file("coarse_label_names.txt"), coarse);
  auto fine_dataset = make("fine");
  fine_dataset->train();
  EXPECT_EQ(fine_dataset->info().class_names, fine);
  auto coarse_dataset = make("coarse");
  coarse_dataset->test();
  EXPECT_EQ(coarse_dataset->info().class_names, coarse);
}

TEST_F(Cifar100Dataset, ChecksTheUnusedLabelToo) {
  write_file(dir_.file("train.bin"), uniform({0, 0}, {}) + uniform({3, 100}, {}));
  EXPECT_EQ(error_of<std::runtime_error>([&] { make("coarse")->train(); }),
            "cifar100: " + dir_.file("train.bin") +
                ": record 1 (at byte 3074) has fine label 100, expected 0..99 (1 of 2 records "
                "out of range)");
  write_file(dir_.file("test.bin"), uniform({20, 0}, {}));
  EXPECT_EQ(error_of<std::runtime_error>([&] { make("fine")->test(); }),
            "cifar100: " + dir_.file("test.bin") +
                ": record 0 (at byte 0) has coarse label 20, expected 0..19 (1 of 1 records out "
                "of range)");
}

TEST_F(Cifar100Dataset, NamesAFileWhoseSizeIsNoWholeNumberOfRecords) {
  // A CIFAR-10 record is one byte short of a CIFAR-100 one.
  write_file(dir_.file("test.bin"), uniform({1}, {}) + uniform({2}, {}));
  EXPECT_EQ(error_of<std::runtime_error>([&] { make()->test(); }),
            "cifar100: " + dir_.file("test.bin") +
                ": size 6146 bytes is not a whole number of 3074-byte records "
                "(2 label bytes + 3072 image bytes)");
}

TEST_F(Cifar100Dataset, NamesAMissingFileAndTheExpectedFiles) {
  std::filesystem::remove(dir_.file("train.bin"));
  EXPECT_EQ(error_of<std::runtime_error>([&] { make()->train(); }),
            "cifar100: " + dir_.file("train.bin") +
                ": no such file (expected the CIFAR-100 binary version: train.bin, test.bin; "
                "the official train.bin holds 50000 records of 3074 bytes, 153700000 bytes)");
}

TEST_F(Cifar100Dataset, RefusesAnUnknownLabel) {
  EXPECT_EQ(error_of<std::invalid_argument>([&] { make("medium"); }),
            "cifar100: option 'label' must be one of \"fine\", \"coarse\", got \"medium\"");
}

// ------------------------------------------------- the real files, if given

/// The folder named by environment variable `name`, or "" to skip.
std::string root_from(const char* name) {
  const char* root = std::getenv(name);
  return root ? root : "";
}

TEST(CifarRealFiles, Cifar10HasTheOfficialSizesAndBalancedClasses) {
  const std::string root = root_from("NEUROREG_CIFAR10_ROOT");
  if (root.empty()) GTEST_SKIP() << "set NEUROREG_CIFAR10_ROOT to cifar-10-batches-bin";
  auto dataset = make_dataset("cifar10", {{"root", root}});
  const sdk::Split train = dataset->train();
  const sdk::Split test = dataset->test();
  EXPECT_EQ(train.images.sizes(), (std::vector<int64_t>{50000, 1, 32, 32}));
  EXPECT_EQ(test.images.sizes(), (std::vector<int64_t>{10000, 1, 32, 32}));
  EXPECT_TRUE(torch::bincount(train.labels).equal(torch::full({10}, 5000, torch::kInt64)));
  EXPECT_TRUE(torch::bincount(test.labels).equal(torch::full({10}, 1000, torch::kInt64)));
  check_split(train, dataset->info(), "cifar10 train");
}

TEST(CifarRealFiles, Cifar100HasTheOfficialSizesAndBalancedClasses) {
  const std::string root = root_from("NEUROREG_CIFAR100_ROOT");
  if (root.empty()) GTEST_SKIP() << "set NEUROREG_CIFAR100_ROOT to cifar-100-binary";
  for (const auto& [label, classes] :
       {std::pair<std::string, int64_t>{"fine", 100}, {"coarse", 20}}) {
    SCOPED_TRACE(label);
    auto dataset = make_dataset("cifar100", {{"root", root}, {"label", label}});
    const sdk::Split train = dataset->train();
    const sdk::Split test = dataset->test();
    EXPECT_EQ(train.images.sizes(), (std::vector<int64_t>{50000, 1, 32, 32}));
    EXPECT_EQ(test.images.sizes(), (std::vector<int64_t>{10000, 1, 32, 32}));
    EXPECT_TRUE(torch::bincount(train.labels)
                    .equal(torch::full({classes}, 50000 / classes, torch::kInt64)));
    EXPECT_TRUE(
        torch::bincount(test.labels).equal(torch::full({classes}, 10000 / classes, torch::kInt64)));
    check_split(test, dataset->info(), "cifar100 test");
  }
}

}  // namespace
}  // namespace neuroreg
