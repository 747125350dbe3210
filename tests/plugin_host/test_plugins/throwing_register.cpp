// A registration callback that fails half-way.
#include <neuroreg/sdk.h>

#include <stdexcept>

namespace {
void register_components(neuroreg::sdk::Registrar&) {
  throw std::runtime_error("cannot find my weights");
}
}  // namespace

NEUROREG_PLUGIN("throwing_register", "0.0.1", register_components)
