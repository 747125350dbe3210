// Reading IDX files, the format of MNIST and Fashion-MNIST.
//
// An IDX file is a big-endian int32 magic (0x0000TTDD: T = element type,
// 0x08 for uint8; D = number of dimensions), D big-endian int32 sizes, then
// the elements in row-major order. Files may be plain or gzip-compressed
// (zlib reads both transparently).
//
//   torch::Tensor images = read_idx_images(root + "/train-images-idx3-ubyte.gz");
//   torch::Tensor labels = read_idx_labels(root + "/train-labels-idx1-ubyte.gz");
//
// Every failure throws std::runtime_error whose message names the file, says
// what was wrong and what was expected: a missing or unreadable file, a wrong
// magic (both in hex), truncated data, trailing bytes, or a zero dimension.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

namespace neuroreg::datasets {

/// Magic of a uint8 array with 3 dimensions (images N×rows×cols).
inline constexpr uint32_t kIdxImagesMagic = 0x00000803;
/// Magic of a uint8 array with 1 dimension (labels N).
inline constexpr uint32_t kIdxLabelsMagic = 0x00000801;

/// The images of an IDX image file: uint8, N×rows×cols.
torch::Tensor read_idx_images(const std::string& path);

/// The labels of an IDX label file: int64, N (values as stored, 0..255).
torch::Tensor read_idx_labels(const std::string& path);

}  // namespace neuroreg::datasets
