#include "runtime/runtime.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <fstream>
#include <stdexcept>
#include <thread>

namespace neuroreg {

torch::Device select_device(const std::string& setting) {
  if (setting == "cpu") return torch::kCPU;
  if (setting == "cuda") {
    if (!torch::cuda::is_available()) {
      throw std::invalid_argument(
          "device = \"cuda\" but this LibTorch has no CUDA or no GPU is visible; use \"auto\" "
          "or \"cpu\", or build against a CUDA LibTorch (CMAKE_PREFIX_PATH)");
    }
    return torch::kCUDA;
  }
  if (setting == "auto") return torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  throw std::invalid_argument("device must be \"auto\", \"cpu\" or \"cuda\", got \"" + setting +
                              "\"");
}

int configure_threads(int requested) {
  if (requested < 0) throw std::invalid_argument("threads must be >= 0 (0 = all cores)");
  int threads = requested;
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // LibTorch starts with one intra-op thread here; set it explicitly.
  at::set_num_threads(threads);
  return at::get_num_threads();
}

std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.rfind('/');
    if (slash == std::string::npos) continue;
    std::string file = line.substr(slash + 1);
    if (file.find("openblas") != std::string::npos) return file + " (OpenBLAS)";
    if (file.find("libmkl") != std::string::npos) return file + " (MKL)";
    if (file.find("blis") != std::string::npos) return file + " (BLIS)";
    if (file.find("libblas.so") != std::string::npos) {
      // Debian's alternatives point libblas.so.3 at the chosen implementation.
      return file + " (" + line.substr(line.find('/')) + ")";
    }
  }
  return "none mapped";
}

}  // namespace neuroreg
