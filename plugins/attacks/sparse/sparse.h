// Shared pieces of the sparse attack family (L0 and L1 minimisation attacks):
// the register function of each attack file, called from plugin.cpp, and the
// option check every attack uses so that bad values fail alike.
#pragma once

#include <neuroreg/sdk.h>

#include <sstream>
#include <stdexcept>
#include <string>

namespace neuroreg::attacks {

/// Registers fmn_l0, fmn_l1, fmn_l2 and fmn_linf (fmn.cpp).
void register_fmn(sdk::Registrar& registrar);
/// Registers sparsefool (sparsefool.cpp).
void register_sparsefool(sdk::Registrar& registrar);

/// Throws std::invalid_argument "<attack>: option '<option>' must be <rule>,
/// got <value>" unless `ok`.
template <typename T>
void require_option(bool ok, const std::string& attack, const std::string& option, const T& value,
                    const std::string& rule) {
  if (ok) return;
  std::ostringstream message;
  message << attack << ": option '" << option << "' must be " << rule << ", got " << value;
  throw std::invalid_argument(message.str());
}

}  // namespace neuroreg::attacks
