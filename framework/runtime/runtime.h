// The compute environment a run uses: device, CPU threads, BLAS.
#pragma once

#include <torch/types.h>

#include <string>

namespace neuroreg {

/// "auto" → CUDA when this LibTorch has it and a GPU is present, else CPU;
/// "cpu"; "cuda" (an error when unavailable). Anything else is an error.
torch::Device select_device(const std::string& setting);

/// Sets LibTorch's intra-op threads; 0 means every available core.
/// Returns the count in effect.
int configure_threads(int requested);

/// The BLAS library actually mapped into this process (e.g.
/// "libopenblas.so.0 (OpenBLAS)"), read from /proc/self/maps.
std::string loaded_blas();

}  // namespace neuroreg
