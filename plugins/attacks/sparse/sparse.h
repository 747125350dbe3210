// Shared pieces of the sparse attack family (L0 and L1 minimisation attacks):
// the register function of each attack file, called from plugin.cpp. Option
// values are checked by the host against their declarations.
#pragma once

#include <neuroreg/sdk.h>

#include <string>

namespace neuroreg::attacks {

/// Registers fmn_l0, fmn_l1, fmn_l2 and fmn_linf (fmn.cpp).
void register_fmn(sdk::Registrar& registrar);
/// Registers sparsefool (sparsefool.cpp).
void register_sparsefool(sdk::Registrar& registrar);

}  // namespace neuroreg::attacks
