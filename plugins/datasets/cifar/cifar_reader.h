// Reading the binary versions of CIFAR-10 and CIFAR-100.
//
// A CIFAR binary file is a plain run of fixed-size records with no header:
// `label_bytes` label bytes (1 for CIFAR-10: the class; 2 for CIFAR-100: the
// coarse then the fine class), then 3072 image bytes: 1024 red, 1024 green,
// 1024 blue, each a 32×32 plane in row-major order. The official files hold
// 10000 records (CIFAR-10 batches, CIFAR-100 test.bin) or 50000 (CIFAR-100
// train.bin), but any whole, positive number of records is read, so small
// files in the same format work too.
//
//   CifarRecords batch = read_cifar_file(root + "/data_batch_1.bin", 1);
//   check_cifar_labels(batch, path, 0, 10, "label");
//   torch::Tensor grey = cifar_to_float(batch.images, /*grayscale=*/true);
//
// Every failure throws std::runtime_error whose message starts with the path
// and says what was wrong and what was expected: a missing or unreadable file,
// a size that is no whole number of records (or zero), a file that shrank
// while being read, a label out of range.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace neuroreg::datasets {

/// Side of a CIFAR image in pixels.
inline constexpr int64_t kCifarImageSide = 32;
/// Bytes of one image: 3 colour planes of 32×32.
inline constexpr int64_t kCifarImageBytes = 3 * kCifarImageSide * kCifarImageSide;

/// The records of one CIFAR binary file, in file order.
struct CifarRecords {
  torch::Tensor images;               ///< uint8 N×3×32×32 (RGB planes)
  std::vector<torch::Tensor> labels;  ///< one int64 N tensor per label byte, in record order
  int64_t size() const { return images.defined() ? images.size(0) : 0; }
};

/// Reads a whole file in one go. `label_bytes` is 1 (CIFAR-10) or 2
/// (CIFAR-100); anything else is std::invalid_argument.
CifarRecords read_cifar_file(const std::string& path, int label_bytes);

/// Throws naming `path`, the first offending record and its byte offset when
/// label byte `label_byte` of any record is >= `num_classes`. `label_name`
/// ("label", "coarse label", ...) is used in the message.
void check_cifar_labels(const CifarRecords& records, const std::string& path, int label_byte,
                        int64_t num_classes, const std::string& label_name);

/// uint8 N×3×H×W RGB → float32 images in [0,1]: with `grayscale`, N×1×H×W
/// luminance Y = (0.299 R + 0.587 G + 0.114 B) / 255, computed in double and
/// rounded once to float32 (so pure red is exactly 0.299f and white 1.0f);
/// without, N×3×H×W channels / 255.
torch::Tensor cifar_to_float(const torch::Tensor& images, bool grayscale);

/// Class names from a text file with one name per line (the official
/// batches.meta.txt, fine_label_names.txt, coarse_label_names.txt). Trailing
/// whitespace and blank lines are dropped; any other count than `expected` is
/// an error naming the file.
std::vector<std::string> read_cifar_class_names(const std::string& path, size_t expected);

}  // namespace neuroreg::datasets
