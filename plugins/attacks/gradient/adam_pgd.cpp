// Adam PGD: projected gradient descent (Madry et al. 2018) whose update is an
// Adam step (Kingma & Ba 2015) on the normalised gradient, then projection
// onto the ε-ball and clipping to [0,1]; Foolbox 3.3's LinfAdamPGD and
// L2AdamPGD. The per-coordinate moment estimates damp oscillating coordinates
// and keep moving consistent ones.
//
// Defaults, all Foolbox 3.3's: adam_beta1 0.9, adam_beta2 0.999, adam_epsilon
// 1e-8, random_start true, abs_stepsize 0 (off), and steps 50, rel_stepsize
// 0.025 for both norms. (Foolbox's LinfAdamPGD does not inherit LinfPGD's 40
// steps of 0.01/0.3: it declares 50 steps of 0.025, like the L2 one.)
//
// As in pgd.cpp, the result is the latest adversarial iterate, else the original.
#include "gradient_attacks.h"

namespace neuroreg::gradient_attacks {
namespace {

void add_adam_pgd(sdk::Registrar& registrar, const std::string& name, sdk::Norm norm,
                  const std::string& description) {
  sdk::OptionList options;
  add_pgd_options(options, 50, 0.025);
  options.add_float("adam_beta1", 0.9, "Adam's decay rate of the gradient's mean")
      .at_least(0)
      .below(1)
      .add_float("adam_beta2", 0.999, "Adam's decay rate of the gradient's second moment")
      .at_least(0)
      .below(1)
      .add_float("adam_epsilon", 1e-8, "Adam's guard against division by zero")
      .above(0);
  registrar.add_attack({name, description, options.specs()}, [name, norm](const sdk::Options& o) {
    PgdSettings settings = read_pgd_options(o, norm);
    settings.adam = true;
    settings.adam_beta1 = o.get_float("adam_beta1");
    settings.adam_beta2 = o.get_float("adam_beta2");
    settings.adam_epsilon = o.get_float("adam_epsilon");
    return make_pgd(settings, name);
  });
}

}  // namespace

void register_adam_pgd(sdk::Registrar& registrar) {
  add_adam_pgd(registrar, "adam_pgd_linf", sdk::Norm::kLinf,
               "L-inf projected gradient descent with Adam updates, from a random start");
  add_adam_pgd(registrar, "adam_pgd_l2", sdk::Norm::kL2,
               "L2 projected gradient descent with Adam updates, from a random start");
}

}  // namespace neuroreg::gradient_attacks
