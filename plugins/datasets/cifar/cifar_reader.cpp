#include "cifar_reader.h"

#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace neuroreg::datasets {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

/// "3073-byte records (1 label byte + 3072 image bytes)"
std::string record_layout(int label_bytes) {
  return std::to_string(label_bytes + kCifarImageBytes) + "-byte records (" +
         std::to_string(label_bytes) + (label_bytes == 1 ? " label byte" : " label bytes") + " + " +
         std::to_string(kCifarImageBytes) + " image bytes)";
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

CifarRecords read_cifar_file(const std::string& path, int label_bytes) {
  if (label_bytes != 1 && label_bytes != 2) {
    throw std::invalid_argument(
        "read_cifar_file: label_bytes must be 1 (CIFAR-10) or 2 "
        "(CIFAR-100), got " +
        std::to_string(label_bytes));
  }
  std::error_code error;
  if (!std::filesystem::exists(path, error)) fail(path, "no such file");
  if (std::filesystem::is_directory(path, error)) fail(path, "is a directory, expected a file");
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) fail(path, "cannot read its size (" + error.message() + ")");

  const int64_t record_bytes = label_bytes + kCifarImageBytes;
  if (size == 0) {
    fail(path, "size 0 bytes holds no records; expected a whole number (at least one) of " +
                   record_layout(label_bytes));
  }
  if (size % record_bytes != 0) {
    fail(path, "size " + std::to_string(size) + " bytes is not a whole number of " +
                   record_layout(label_bytes));
  }
  const int64_t count = static_cast<int64_t>(size) / record_bytes;

  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) fail(path, std::string("cannot open for reading (") + std::strerror(errno) + ")");
  // One read straight into the tensor that holds the records.
  torch::Tensor bytes = torch::empty({count, record_bytes}, torch::kUInt8);
  const size_t got = std::fread(bytes.data_ptr<uint8_t>(), 1, size, file.get());
  if (got != size) {
    if (std::ferror(file.get())) {
      fail(path,
           "read error after " + std::to_string(got) + " of " + std::to_string(size) + " bytes");
    }
    fail(path, "truncated: read " + std::to_string(got) + " of the " + std::to_string(size) +
                   " bytes its size announced");
  }

  CifarRecords records;
  records.images = bytes.narrow(1, label_bytes, kCifarImageBytes)
                       .contiguous()
                       .view({count, 3, kCifarImageSide, kCifarImageSide});
  for (int k = 0; k < label_bytes; ++k) {
    records.labels.push_back(bytes.select(1, k).to(torch::kInt64));
  }
  return records;
}

void check_cifar_labels(const CifarRecords& records, const std::string& path, int label_byte,
                        int64_t num_classes, const std::string& label_name) {
  const torch::Tensor& labels = records.labels.at(static_cast<size_t>(label_byte));
  const torch::Tensor bad = labels.ge(num_classes);
  const int64_t bad_count = bad.sum().item<int64_t>();
  if (bad_count == 0) return;
  const int64_t record = bad.nonzero().flatten()[0].item<int64_t>();
  const int64_t record_bytes = static_cast<int64_t>(records.labels.size()) + kCifarImageBytes;
  fail(path, "record " + std::to_string(record) + " (at byte " +
                 std::to_string(record * record_bytes) + ") has " + label_name + " " +
                 std::to_string(labels[record].item<int64_t>()) + ", expected 0.." +
                 std::to_string(num_classes - 1) + " (" + std::to_string(bad_count) + " of " +
                 std::to_string(labels.size(0)) + " records out of range)");
}

torch::Tensor cifar_to_float(const torch::Tensor& images, bool grayscale) {
  if (images.scalar_type() != torch::kUInt8 || images.dim() != 4 || images.size(1) != 3) {
    throw std::invalid_argument("cifar_to_float: expected uint8 N×3×H×W images, got " +
                                std::string(c10::toString(images.scalar_type())) + " " +
                                c10::str(images.sizes()));
  }
  if (!grayscale) return images.to(torch::kFloat32).div_(255.0);
  // In double, one chunk of images at a time (a whole CIFAR-100 train.bin in
  // double would take 400 MB per temporary), rounded once to float32 by the
  // final copy.
  constexpr int64_t kChunk = 4096;
  const int64_t count = images.size(0);
  torch::Tensor out = torch::empty({count, 1, images.size(2), images.size(3)}, torch::kFloat32);
  for (int64_t start = 0; start < count; start += kChunk) {
    const torch::Tensor part = images.narrow(0, start, std::min(kChunk, count - start));
    auto channel = [&](int64_t c) { return part.select(1, c).to(torch::kFloat64); };
    torch::Tensor luminance = channel(0).mul_(0.299);
    luminance.add_(channel(1).mul_(0.587)).add_(channel(2).mul_(0.114)).div_(255.0);
    // White sums to 1 only up to rounding; keep the promise of [0,1] exactly.
    out.narrow(0, start, part.size(0)).select(1, 0).copy_(luminance.clamp_(0.0, 1.0));
  }
  return out;
}

std::vector<std::string> read_cifar_class_names(const std::string& path, size_t expected) {
  std::ifstream in(path);
  if (!in) fail(path, "cannot open for reading");
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    line.erase(line.find_last_not_of(" \t\r\n") + 1);
    if (!line.empty()) names.push_back(line);
  }
  if (in.bad()) fail(path, "read error");
  if (names.size() != expected) {
    fail(path, std::to_string(names.size()) + " class names, expected " + std::to_string(expected) +
                   " (one per line)");
  }
  return names;
}

}  // namespace neuroreg::datasets
