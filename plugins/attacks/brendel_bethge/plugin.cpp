// The Brendel–Bethge attack family as one plugin: the gradient-based boundary
// attacks of Brendel et al. (NeurIPS 2019) for L2, L∞ and L1. Each norm lives
// in its own file with its subproblem solver; the shared loop, options and
// root finder are in brendel_bethge.cpp.
#include "brendel_bethge.h"

namespace {

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::brendel_bethge::register_l2(registrar);
  neuroreg::brendel_bethge::register_linf(registrar);
  neuroreg::brendel_bethge::register_l1(registrar);
}

}  // namespace

NEUROREG_PLUGIN("brendel_bethge", "0.1.0", register_components)
