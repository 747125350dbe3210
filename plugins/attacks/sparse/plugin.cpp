// The sparse attack family as one plugin library: each attack file registers
// its own attacks; this file only names the library.
#include "sparse.h"

namespace {

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::attacks::register_fmn(registrar);
  neuroreg::attacks::register_sparsefool(registrar);
}

}  // namespace

NEUROREG_PLUGIN("sparse_attacks", "0.1.0", register_components)
