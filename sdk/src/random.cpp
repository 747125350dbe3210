#include "neuroreg/sdk/random.h"

#include <ATen/CPUGeneratorImpl.h>

namespace neuroreg::sdk {

at::Generator step_generator(uint64_t seed, int64_t step) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(step + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return at::detail::createCPUGenerator(z);
}

}  // namespace neuroreg::sdk
