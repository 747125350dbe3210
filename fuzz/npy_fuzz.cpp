// read_npy: a .npy file of numbers (every dtype, shape and header the reader
// accepts or must reject).
#include <neuroreg/sdk/npy.h>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = neuroreg::fuzz::input_file("input.npy", data, size);
  return neuroreg::fuzz::expect_documented_errors([&] {
    const torch::Tensor t = neuroreg::sdk::read_npy(path);
    (void)t.sum();  // every element is readable
  });
}
