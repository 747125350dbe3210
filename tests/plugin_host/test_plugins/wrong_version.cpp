// Claims to be built against SDK version 99, which no host has.
#define NEUROREG_SDK_VERSION 99
#include <neuroreg/sdk.h>

namespace {
void register_components(neuroreg::sdk::Registrar&) {}
}  // namespace

NEUROREG_PLUGIN("wrong_version", "0.0.1", register_components)
