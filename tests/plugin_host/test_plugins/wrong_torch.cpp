// Stamped as built against another LibTorch. Its static constructor leaves a
// mark in the environment, so a test can tell that none of its code ran.
#include <neuroreg/sdk.h>

#include <cstdlib>

namespace {
void register_components(neuroreg::sdk::Registrar&) {}
[[maybe_unused]] const bool constructed = setenv("NEUROREG_TEST_WRONG_TORCH_RAN", "1", 1) == 0;
}  // namespace

#undef TORCH_VERSION
#define TORCH_VERSION "0.4.1"
NEUROREG_PLUGIN("wrong_torch", "0.0.1", register_components)
