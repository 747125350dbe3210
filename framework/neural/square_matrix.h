// Small checks and conversions shared by the code that reads similarity
// matrices element by element (clustering, heatmaps).
#pragma once

#include <torch/types.h>

#include <string>

namespace neuroreg {

/// A CPU double copy of `matrix` that is safe to read through data_ptr.
inline torch::Tensor as_doubles(const torch::Tensor& matrix) {
  return matrix.detach().to(torch::kCPU, torch::kDouble).contiguous();
}

/// Whether `matrix` is defined, 2-D and square.
inline bool is_square(const torch::Tensor& matrix) {
  return matrix.defined() && matrix.dim() == 2 && matrix.size(0) == matrix.size(1);
}

/// "[3, 4]", or "undefined": for error messages.
inline std::string shape_of(const torch::Tensor& matrix) {
  return matrix.defined() ? c10::str(matrix.sizes()) : std::string("undefined");
}

}  // namespace neuroreg
