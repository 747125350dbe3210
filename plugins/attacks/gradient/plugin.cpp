// The gradient attack family's plugin entry: one library registering every
// white-box attack of plugins/attacks/gradient (see gradient_attacks.h).
#include "gradient_attacks.h"

namespace {

void register_components(neuroreg::sdk::Registrar& registrar) {
  using namespace neuroreg::gradient_attacks;
  register_fgm(registrar);
  register_pgd(registrar);
  register_adam_pgd(registrar);
  register_apgd(registrar);
  register_ddn(registrar);
  register_carlini_wagner(registrar);
}

}  // namespace

NEUROREG_PLUGIN("gradient_attacks", "0.1.0", register_components)
