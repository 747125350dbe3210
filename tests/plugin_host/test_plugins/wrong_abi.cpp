// Stamped as built with the other C++ string ABI (_GLIBCXX_USE_CXX11_ABI=0),
// whose std::string cannot cross the plugin boundary.
#include <neuroreg/sdk.h>

namespace {
void register_components(neuroreg::sdk::Registrar&) {}
}  // namespace

#undef _GLIBCXX_USE_CXX11_ABI
#define _GLIBCXX_USE_CXX11_ABI 0
NEUROREG_PLUGIN("wrong_abi", "0.0.1", register_components)
