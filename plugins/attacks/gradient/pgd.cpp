// Projected gradient descent (Madry et al. 2018, "Towards Deep Learning Models
// Resistant to Adversarial Attacks"): from a uniform random start in the ε-ball,
// repeat a steepest-ascent step on the cross-entropy, projection onto the
// ε-ball and clipping to [0,1]. Also the core of fgm.cpp and adam_pgd.cpp.
//
//   pgd_linf  steps 40, rel_stepsize 0.01/0.3   (Foolbox 3 LinfPGD)
//   pgd_l2    steps 50, rel_stepsize 0.025      (Foolbox 3 L2PGD)
//   pgd_l1    steps 50, rel_stepsize 0.025      (Foolbox 3 L1PGD)
// abs_stepsize (0: off) and random_start (true) are Foolbox 3's as well, and
// so is the cross-entropy loss; loss = "margin" ascends Carlini & Wagner's
// margin instead (see gradient_attacks.h).
//
// The step is the norm's steepest ascent: sign(g) for L∞, g/‖g‖₂ for L2. For
// L1 it is not Foolbox's g/‖g‖₁, which spreads the budget over every pixel
// while L1-minimal perturbations are sparse (on the harness's linear model it
// needs ε ≈ 4× the minimal distance), nor SLIDE's sign step on the top 1% of
// |g| (Tramèr & Boneh 2019; ≈ 1.3×), but the exact steepest ascent inside the
// box that Croce & Hein (2021, "Mind the box") argue for: the step's L1 length
// goes to the pixels in order of |g|, each moved as far as [0,1] allows. That
// is a single pixel until pixels saturate, then the next ones, so it needs no
// sparsity parameter. The projection is the exact one onto the L1 ball
// (Duchi et al. 2008), where Foolbox rescales.
//
// Foolbox returns the final iterate; this returns, per sample, the latest
// iterate that was adversarial (the final one when it is), else the original
// image. Every iterate is inside the ε-ball, so that is never worse.
#include <torch/torch.h>

#include "gradient_attacks.h"

namespace neuroreg::gradient_attacks {
namespace {

using sdk::Norm;

class ProjectedGradientDescent : public sdk::Attack {
 public:
  ProjectedGradientDescent(const PgdSettings& settings, std::string name)
      : settings_(settings), name_(std::move(name)) {}

  sdk::AttackTraits traits() const override {
    return {settings_.norm, sdk::AttackKind::kFixedEpsilon, sdk::ModelAccess::kGradients,
            settings_.random_start};
  }

  torch::Tensor run(sdk::ModelView& model, const sdk::AttackRequest& request) override {
    const torch::Tensor x0 = request.images.detach();
    const torch::Tensor labels = request.labels.to(x0.device());
    const torch::Tensor epsilon = budgets(request, name_);
    const torch::Tensor stepsize = settings_.abs_stepsize > 0
                                       ? torch::full_like(epsilon, settings_.abs_stepsize)
                                       : epsilon * settings_.rel_stepsize;

    torch::Tensor x = x0.clone();
    if (settings_.random_start) {
      x = (x0 + sdk::random_in_ball(x0, settings_.norm, epsilon)).clamp(0, 1);
    }
    Adam adam(settings_.adam_beta1, settings_.adam_beta2, settings_.adam_epsilon);
    adam.reset(x0);

    torch::Tensor result = x0.clone();  // the latest adversarial iterate, else the original
    auto keep_adversarial = [&](const torch::Tensor& predicted) {
      result = torch::where(sdk::expand_like(predicted.ne(labels), x0), x, result);
    };
    for (int64_t step = 0; step < settings_.steps; ++step) {
      const LossGradient lg = loss_gradient(model, x, labels, settings_.loss);
      keep_adversarial(lg.logits.argmax(1));  // the pass for the gradient checks x for free
      torch::Tensor update;
      if (settings_.norm == Norm::kL1) {
        update = l1_box_step(lg.gradient, x, stepsize);
      } else {
        // The unit step of steepest ascent in the norm, through Adam for Adam PGD.
        torch::Tensor direction = settings_.norm == Norm::kLinf
                                      ? lg.gradient.sign()
                                      : sdk::normalized(lg.gradient, settings_.norm);
        if (settings_.adam) {
          ++adam.t;
          direction = adam.direction(direction);
        }
        update = sdk::expand_like(stepsize, x) * direction;
      }
      // Clipping a point of the ball towards x0 ∈ [0,1] keeps it in the ball.
      x = (x0 + sdk::project_to_ball(x + update - x0, settings_.norm, epsilon)).clamp(0, 1);
    }
    keep_adversarial(model.labels(x));
    return result;
  }

 private:
  // The L1 step of length α (per sample) that raises the linearised loss most
  // without leaving the box: α goes to the pixels in order of |g|, each moved
  // as far as its bound allows. One pixel while the box does not bind.
  static torch::Tensor l1_box_step(const torch::Tensor& gradient, const torch::Tensor& x,
                                   const torch::Tensor& alpha) {
    const torch::Tensor g = gradient.flatten(1);
    const torch::Tensor room =
        torch::where(g > 0, 1 - x.flatten(1), x.flatten(1)).masked_fill(g == 0, 0);
    const torch::Tensor order = g.abs().argsort(1, /*descending=*/true);
    const torch::Tensor room_sorted = room.gather(1, order);
    const torch::Tensor before = room_sorted.cumsum(1) - room_sorted;
    const torch::Tensor moved =
        torch::minimum(room_sorted, (alpha.reshape({-1, 1}) - before).clamp_min(0));
    return (g.sign() * torch::zeros_like(g).scatter(1, order, moved)).view_as(gradient);
  }

  PgdSettings settings_;
  std::string name_;
};

void add_pgd(sdk::Registrar& registrar, const std::string& name, Norm norm, int64_t steps,
             double rel_stepsize, const std::string& description) {
  sdk::OptionList options;
  add_pgd_options(options, steps, rel_stepsize);
  registrar.add_attack({name, description, options.specs()}, [name, norm](const sdk::Options& o) {
    return make_pgd(read_pgd_options(o, norm), name);
  });
}

}  // namespace

void add_pgd_options(sdk::OptionList& options, int64_t steps, double rel_stepsize) {
  options.add_int("steps", steps, "gradient steps")
      .at_least(1)
      .add_float("rel_stepsize", rel_stepsize, "step size as a fraction of epsilon")
      .above(0)
      .add_float("abs_stepsize", 0.0, "step size in the norm's units; 0 uses rel_stepsize")
      .at_least(0)
      .add_bool("random_start", true, "start from a uniform draw in the epsilon-ball");
  add_loss_option(options);
}

PgdSettings read_pgd_options(const sdk::Options& options, Norm norm) {
  PgdSettings settings;
  settings.norm = norm;
  settings.steps = options.get_int("steps");
  settings.rel_stepsize = options.get_float("rel_stepsize");
  settings.abs_stepsize = options.get_float("abs_stepsize");
  settings.random_start = options.get_bool("random_start");
  settings.loss = read_loss(options);
  return settings;
}

std::shared_ptr<sdk::Attack> make_pgd(const PgdSettings& settings, std::string name) {
  return std::make_shared<ProjectedGradientDescent>(settings, std::move(name));
}

void register_pgd(sdk::Registrar& registrar) {
  add_pgd(registrar, "pgd_linf", Norm::kLinf, 40, 0.01 / 0.3,
          "L-inf projected gradient descent from a random start (Madry et al. 2018)");
  add_pgd(registrar, "pgd_l2", Norm::kL2, 50, 0.025,
          "L2 projected gradient descent from a random start (Madry et al. 2018)");
  add_pgd(registrar, "pgd_l1", Norm::kL1, 50, 0.025,
          "L1 projected gradient descent with sparse, box-aware steps (Madry et al. 2018)");
}

}  // namespace neuroreg::gradient_attacks
