// `black_box_attacks`: attacks that see only the model's decisions or scores.
//
//   boundary_attack                         Brendel, Rauber & Bethge (ICLR 2018)
//   hop_skip_jump_l2, hop_skip_jump_linf    Chen, Jordan & Wainwright (IEEE S&P 2020)
//   square_linf, square_l2                  Andriushchenko et al. (ECCV 2020)
//
// One library, one entry: each attack file registers its own components.
#include "black_box.h"

namespace {

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::black_box::register_boundary_attack(registrar);
  neuroreg::black_box::register_hop_skip_jump(registrar);
  neuroreg::black_box::register_square(registrar);
}

}  // namespace

NEUROREG_PLUGIN("black_box_attacks", "0.1.0", register_components)
