#include "idx_reader.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "plugins/idx_test_files.h"
#include "support/builtin_plugins.h"

namespace neuroreg::datasets {
namespace {

using neuroreg::testing::idx_bytes;
using neuroreg::testing::TempDir;
using neuroreg::testing::write_bytes;

/// The message of the std::runtime_error that `read` throws for `path`.
template <typename Read>
std::string error_of(Read read, const std::string& path) {
  try {
    read(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error reading " << path;
  return "";
}

const std::vector<uint8_t> kPixels = {0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255};

TEST(IdxReader, ReadsImagesFromAGzipFileExactly) {
  TempDir dir;
  const std::string path = dir.file("images.gz");
  write_bytes(path, idx_bytes(kIdxImagesMagic, {2, 2, 3}, kPixels), /*gzip=*/true);
  torch::Tensor images = read_idx_images(path);
  EXPECT_EQ(images.scalar_type(), torch::kUInt8);
  EXPECT_EQ(images.sizes(), (std::vector<int64_t>{2, 2, 3}));
  std::vector<int64_t> expected(kPixels.begin(), kPixels.end());
  EXPECT_TRUE(images.flatten().equal(torch::tensor(expected).to(torch::kUInt8)));
}

TEST(IdxReader, ReadsLabelsFromAPlainFileAsInt64) {
  TempDir dir;
  const std::string path = dir.file("labels");
  write_bytes(path, idx_bytes(kIdxLabelsMagic, {4}, {9, 0, 3, 7}), /*gzip=*/false);
  torch::Tensor labels = read_idx_labels(path);
  EXPECT_EQ(labels.scalar_type(), torch::kInt64);
  EXPECT_TRUE(labels.equal(torch::tensor({9, 0, 3, 7}, torch::kInt64)));
}

TEST(IdxReader, NamesTheFileAndBothMagicsOnAWrongMagic) {
  TempDir dir;
  const std::string path = dir.file("labels-as-images.gz");
  write_bytes(path, idx_bytes(kIdxLabelsMagic, {4}, {1, 2, 3, 4}), true);
  EXPECT_EQ(error_of(read_idx_images, path),
            "IDX file '" + path +
                "': wrong magic 0x00000801, expected 0x00000803 (uint8 images N×rows×cols)");
}

TEST(IdxReader, ReportsTruncatedDataWithExpectedAndActualSize) {
  TempDir dir;
  const std::string path = dir.file("short.gz");
  write_bytes(path, idx_bytes(kIdxImagesMagic, {2, 2, 3}, {1, 2, 3, 4, 5}), true);
  EXPECT_EQ(error_of(read_idx_images, path),
            "IDX file '" + path + "': truncated: expected 12 bytes of data, got 5");
}

TEST(IdxReader, ReportsATruncatedHeader) {
  TempDir dir;
  const std::string path = dir.file("header");
  write_bytes(path, idx_bytes(kIdxImagesMagic, {2}, {}), false);  // 2 of 3 sizes
  EXPECT_EQ(error_of(read_idx_images, path),
            "IDX file '" + path +
                "': truncated header: expected 4 bytes for the size of dimension 1, got 0");
}

TEST(IdxReader, RefusesTrailingBytes) {
  TempDir dir;
  const std::string path = dir.file("long");
  write_bytes(path, idx_bytes(kIdxLabelsMagic, {2}, {1, 2, 3}), false);
  EXPECT_EQ(
      error_of(read_idx_labels, path),
      "IDX file '" + path + "': trailing bytes after the 2 bytes of data the header announces");
}

TEST(IdxReader, RefusesAZeroDimension) {
  TempDir dir;
  const std::string path = dir.file("empty.gz");
  write_bytes(path, idx_bytes(kIdxImagesMagic, {0, 28, 28}, {}), true);
  EXPECT_EQ(error_of(read_idx_images, path),
            "IDX file '" + path + "': dimension 0 has size 0, expected a positive size");
}

TEST(IdxReader, NamesAMissingFile) {
  TempDir dir;
  const std::string path = dir.file("nowhere.gz");
  EXPECT_EQ(error_of(read_idx_labels, path), "IDX file '" + path + "': no such file");
}

}  // namespace
}  // namespace neuroreg::datasets
