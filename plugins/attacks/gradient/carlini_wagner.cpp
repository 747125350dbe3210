// Carlini & Wagner's L2 attack (2017, "Towards Evaluating the Robustness of
// Neural Networks"): minimise ‖x' − x‖₂² + c · max(Z_y − max_{j≠y} Z_j + κ, 0)
// over x' = (tanh(w) + 1) / 2, which keeps x' inside the [0,1] box without
// clipping, with Adam on w; a binary search per sample finds the smallest c
// that still gives an adversarial. The result is the smallest adversarial seen
// per sample over all steps and constants, else the original image.
//
// The loss term is the paper's f = max(margin, −κ) shifted by κ, as in Foolbox
// 3: the same gradients, and a non-negative loss for the relative
// early-abort test.
//
// Defaults, all Foolbox 3's (L2CarliniWagnerAttack) and the paper's:
// binary_search_steps 9, steps 10000, stepsize 0.01, confidence 0,
// initial_const 0.001, abort_early true. With abort_early, a sample stops its
// Adam run for the current constant when its loss has not fallen by 0.01%
// over the last ceil(steps / 10) steps (Foolbox tests the batch's summed
// loss; here each sample has its own constant and its own test, and samples
// that stopped leave the batch, so the model sees only those still running).
// As in Foolbox, the constant grows tenfold until a first success, then
// bisects; from 10 search steps on, the last one uses the upper bound.
#include <torch/torch.h>

#include <cmath>

#include "gradient_attacks.h"

namespace neuroreg::gradient_attacks {
namespace {

using sdk::Norm;

class CarliniWagnerL2 : public L2Minimization {
 public:
  explicit CarliniWagnerL2(const sdk::Options& options) {
    binary_search_steps_ = options.get_int("binary_search_steps");
    steps_ = options.get_int("steps");
    stepsize_ = options.get_float("stepsize");
    confidence_ = options.get_float("confidence");
    initial_const_ = options.get_float("initial_const");
    abort_early_ = options.get_bool("abort_early");
  }

 protected:
  torch::Tensor minimize(sdk::ModelView& model, const torch::Tensor& x,
                         const torch::Tensor& labels) override {
    const int64_t n = x.size(0);
    // tanh space; the factor keeps atanh finite for pixels at exactly 0 or 1.
    const torch::Tensor w0 = torch::atanh((x * 2 - 1) * 0.999999);
    const Space space{x, labels, w0, to_box(w0)};  // x as tanh space reproduces it

    torch::Tensor consts = torch::full({n}, initial_const_, x.options());
    torch::Tensor lower = torch::zeros({n}, x.options());
    torch::Tensor upper = torch::full({n}, INFINITY, x.options());
    SmallestAdversarial best(x.clone());
    Adam adam;

    for (int64_t search = 0; search < binary_search_steps_; ++search) {
      if (search == binary_search_steps_ - 1 && binary_search_steps_ >= 10) {
        consts = upper.clamp_max(1e10);
      }
      const torch::Tensor found = descend(model, space, consts, adam, best);
      upper = torch::where(found, consts, upper);
      lower = torch::where(found, lower, consts);
      consts = torch::where(torch::isinf(upper), consts * 10, (lower + upper) / 2);
    }
    return best.points();
  }

 private:
  // The originals, their labels, and the originals in tanh space (w0) and back.
  struct Space {
    const torch::Tensor& x;
    const torch::Tensor& labels;
    torch::Tensor w0;
    torch::Tensor x_start;
  };

  // The loss at w0 + w of rows `rows`, its gradient in w, the point and its margin.
  struct Step {
    torch::Tensor loss, gradient, candidate, margin;
  };

  static torch::Tensor to_box(const torch::Tensor& w) { return (torch::tanh(w) + 1) / 2; }

  // Adam on w for the constants `consts`, each sample until its loss stalls
  // (abort_early) or the steps run out; every adversarial iterate goes to
  // `best`. Returns which samples were adversarial at some step.
  torch::Tensor descend(sdk::ModelView& model, const Space& space, const torch::Tensor& consts,
                        Adam& adam, SmallestAdversarial& best) const {
    const int64_t n = space.x.size(0);
    const int64_t check_every = (steps_ + 9) / 10;
    torch::Tensor w = torch::zeros_like(space.x);  // offset from w0
    adam.reset(space.x);
    torch::Tensor found = torch::zeros({n}, space.labels.options().dtype(torch::kBool));
    torch::Tensor previous_loss = torch::full({n}, INFINITY, space.x.options());
    torch::Tensor running = torch::ones({n}, found.options());

    for (int64_t step = 0; step < steps_; ++step) {
      const torch::Tensor rows = running.nonzero().flatten();
      if (rows.numel() == 0) break;
      const Step s = loss_at(model, space, consts, w, rows);
      // Record: adversarial with the required confidence, and the smallest so far.
      const torch::Tensor adversarial = s.margin < -confidence_;
      const torch::Tensor norm =
          sdk::lp_norms(s.candidate - space.x.index_select(0, rows), Norm::kL2);
      found.index_put_({rows}, found.index_select(0, rows) | adversarial);
      best.keep(s.candidate, norm, adversarial, rows);

      if (abort_early_ && step % check_every == 0) {
        const torch::Tensor before = previous_loss.index_select(0, rows);
        running.index_put_({rows}, s.loss <= 0.9999 * before);
        previous_loss.index_put_({rows}, s.loss);
      }
      // Stopped rows are simply never read again: update them all the same.
      ++adam.t;
      w.index_copy_(0, rows,
                    w.index_select(0, rows) - stepsize_ * adam.direction(s.gradient, rows));
    }
    return found;
  }

  Step loss_at(sdk::ModelView& model, const Space& space, const torch::Tensor& consts,
               const torch::Tensor& w, const torch::Tensor& rows) const {
    torch::AutoGradMode grad_on(true);
    const torch::Tensor w_rows = w.index_select(0, rows).requires_grad_(true);
    const torch::Tensor x_adv = to_box(space.w0.index_select(0, rows) + w_rows);
    const torch::Tensor margin =
        sdk::margin(model.logits_with_grad(x_adv), space.labels.index_select(0, rows));
    const torch::Tensor loss =
        consts.index_select(0, rows) * (margin + confidence_).clamp_min(0) +
        (x_adv - space.x_start.index_select(0, rows)).square().flatten(1).sum(1);
    const torch::Tensor gradient = torch::autograd::grad({loss.sum()}, {w_rows})[0];
    return {loss.detach(), gradient, x_adv.detach(), margin.detach()};
  }

  int64_t binary_search_steps_ = 9;
  int64_t steps_ = 10000;
  double stepsize_ = 0.01;
  double confidence_ = 0;
  double initial_const_ = 1e-3;
  bool abort_early_ = true;
};

}  // namespace

void register_carlini_wagner(sdk::Registrar& registrar) {
  sdk::OptionList options;
  options.add_int("binary_search_steps", 9, "binary search steps over the constant c")
      .at_least(1)
      .add_int("steps", 10000, "Adam steps per constant")
      .at_least(1)
      .add_float("stepsize", 0.01, "Adam's step size in tanh space")
      .above(0)
      .add_float("confidence", 0.0, "margin by which an adversarial must be misclassified")
      .at_least(0)
      .add_float("initial_const", 0.001, "initial trade-off constant c")
      .above(0)
      .add_bool("abort_early", true,
                "stop a constant's run when the loss stalls over a tenth of the steps");
  registrar.add_attack({"carlini_wagner_l2",
                        "Carlini & Wagner L2 minimisation with the tanh box and a binary "
                        "search over the constant (Carlini & Wagner 2017)",
                        options.specs()},
                       [](const sdk::Options& o) { return std::make_shared<CarliniWagnerL2>(o); });
}

}  // namespace neuroreg::gradient_attacks
