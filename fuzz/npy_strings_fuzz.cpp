// read_npy_strings: a .npy unicode string array ('<U…', e.g. a scan's tiers).
#include <neuroreg/sdk/npy.h>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = neuroreg::fuzz::input_file("input.npy", data, size);
  return neuroreg::fuzz::expect_documented_errors([&] {
    size_t total = 0;
    for (const std::string& s : neuroreg::sdk::read_npy_strings(path)) total += s.size();
    (void)total;
  });
}
