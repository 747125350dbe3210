// Randomness that a resumed run reproduces without stored state.
#pragma once

#include <ATen/core/Generator.h>

#include <cstdint>

#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// A CPU generator seeded from (seed, step) through splitmix64: independent
/// streams per training step, so draws depend on the step alone and a run
/// resumed at any step draws what an unbroken run would have.
NEUROREG_SDK_API at::Generator step_generator(uint64_t seed, int64_t step);

}  // namespace neuroreg::sdk
