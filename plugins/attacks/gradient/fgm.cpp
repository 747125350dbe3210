// Fast gradient attacks: one step of size ε along the steepest ascent of the
// cross-entropy. FGSM (Goodfellow et al. 2015, "Explaining and Harnessing
// Adversarial Examples") steps along sign(g) in L∞; FGM (Miyato et al. 2017)
// along g/‖g‖₂ in L2.
//
// As in Foolbox 3 (LinfFastGradientAttack, L2FastGradientAttack), each is the
// projected-gradient core of pgd.cpp with one step of rel_stepsize 1 and, by
// default, no random start (random_start false, Foolbox 3's default): then the
// attack is deterministic and the host runs it once. It returns the stepped
// image where that is adversarial, else the original.
#include "gradient_attacks.h"

namespace neuroreg::gradient_attacks {
namespace {

void add_fast_gradient(sdk::Registrar& registrar, const std::string& name, sdk::Norm norm,
                       const std::string& description) {
  sdk::OptionList options;
  options.add_bool("random_start", false,
                   "step from a uniform draw in the epsilon-ball instead of the image");
  add_loss_option(options);
  registrar.add_attack({name, description, options.specs()}, [name, norm](const sdk::Options& o) {
    PgdSettings settings;
    settings.norm = norm;
    settings.steps = 1;
    settings.rel_stepsize = 1.0;
    settings.random_start = o.get_bool("random_start");
    settings.loss = read_loss(o);
    return make_pgd(settings, name);
  });
}

}  // namespace

void register_fgm(sdk::Registrar& registrar) {
  add_fast_gradient(registrar, "fgsm", sdk::Norm::kLinf,
                    "fast gradient sign method: one signed-gradient step of size epsilon");
  add_fast_gradient(registrar, "fgm_l2", sdk::Norm::kL2,
                    "fast gradient method: one L2-normalised gradient step of size epsilon");
}

}  // namespace neuroreg::gradient_attacks
