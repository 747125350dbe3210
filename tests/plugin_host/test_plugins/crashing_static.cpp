// A plugin whose static constructor crashes, as a damaged library can: the
// probe must catch it in a child process, and the host must go on.
#include <neuroreg/sdk.h>

#include <csignal>

namespace {
void register_components(neuroreg::sdk::Registrar&) {}
[[maybe_unused]] const int crashed = std::raise(SIGSEGV);
}  // namespace

NEUROREG_PLUGIN("crashing_static", "0.0.1", register_components)
