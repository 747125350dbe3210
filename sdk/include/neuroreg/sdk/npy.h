// NumPy .npy files, the format recordings and similarity matrices come in.
//
// Reading parses the header here, bounded by the file's size; writing goes
// through xtensor's npy support. This adds the dtype
// dispatch, the checks (truncation, byte order, Fortran order) and the
// messages that name the file.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// Reads a little-endian, C-order .npy of bool, uint8, int32, int64, float32
/// or float64 into a CPU tensor of that dtype and shape. Throws
/// std::runtime_error naming the path and what is wrong.
NEUROREG_SDK_API torch::Tensor read_npy(const std::string& path);

/// Writes a tensor of one of those dtypes as .npy, atomically.
NEUROREG_SDK_API void write_npy(const std::string& path, const torch::Tensor& tensor);

/// Reads a one-dimensional numpy unicode string array ('<U…', e.g. the
/// tiers of a Sensorium scan) as UTF-8 strings. Throws std::runtime_error
/// naming the path and what is wrong.
NEUROREG_SDK_API std::vector<std::string> read_npy_strings(const std::string& path);

/// Writes strings as a numpy '<U…' array, as numpy.array(list) would, atomically.
NEUROREG_SDK_API void write_npy_strings(const std::string& path,
                                        const std::vector<std::string>& strings);

}  // namespace neuroreg::sdk
