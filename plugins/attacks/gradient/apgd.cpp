// Auto-PGD (Croce & Hein 2020, "Reliable evaluation of adversarial robustness
// with an ensemble of diverse parameter-free attacks", Algorithm 1): PGD whose
// step size needs no tuning. From a random start in the ε-ball it takes
// momentum steps (α = 0.75) of size η, which starts at 2ε and is halved, and
// the iterate reset to the best point so far, at checkpoints w_j where the
// loss rose in fewer than ρ = 0.75 of the steps since the previous checkpoint,
// or where neither η nor the best loss changed since then. Checkpoints follow
// the published schedule: the first after 22% of the steps, then gaps that
// shrink by 3% of the steps down to 6%.
//
//   apgd_ce_linf, apgd_ce_l2    the cross-entropy (APGD-CE)
//   apgd_dlr_linf, apgd_dlr_l2  the difference of logits ratio (APGD-DLR),
//                               −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3): invariant
//                               to shifts and scales of the logits, so a model
//                               whose softmax saturates cannot hide its margin
//
// `targets` > 0 turns APGD-DLR into APGD-T: one run per target class, the
// `targets` most likely other classes of the clean image in turn, each with
// the targeted DLR loss −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2) and the full
// step budget, for the samples no earlier run has fooled.
//
// Defaults are the authors' (AutoAttack: 100 steps, ρ 0.75, step 2ε). The
// host calls it inside its per-sample ε search, like PGD. It returns, per
// sample, the adversarial iterate closest to the original (AutoAttack returns
// the last adversarial one): every iterate is inside the ε-ball, so that is
// never worse and helps the search's measured distance.
#include <torch/torch.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "gradient_attacks.h"

namespace neuroreg::gradient_attacks {
namespace {

using sdk::Norm;
using torch::Tensor;

enum class ApgdLoss { kCrossEntropy, kDlr };

struct ApgdSettings {
  Norm norm = Norm::kLinf;
  ApgdLoss loss = ApgdLoss::kCrossEntropy;
  int64_t steps = 100;
  double rho = 0.75;
  bool random_start = true;
  int64_t targets = 0;  ///< DLR only: 0 untargeted, else APGD-T's target classes
};

// Per-sample loss to ascend (N) from logits (N×K): cross-entropy, DLR, or
// targeted DLR towards `targets` (defined: APGD-T).
Tensor apgd_loss(const Tensor& logits, const Tensor& labels, ApgdLoss loss, const Tensor& targets) {
  if (loss == ApgdLoss::kCrossEntropy) {
    return torch::nn::functional::cross_entropy(
        logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  }
  const Tensor sorted = std::get<0>(logits.sort(1, /*descending=*/true));
  const Tensor true_logit = logits.gather(1, labels.view({-1, 1})).squeeze(1);
  if (!targets.defined()) {
    // z_y − max_{i≠y} z_i is sdk::margin; the scale is the spread of the top three.
    const Tensor scale = sorted.select(1, 0) - sorted.select(1, 2) + 1e-12;
    return -sdk::margin(logits, labels) / scale;
  }
  const Tensor target_logit = logits.gather(1, targets.view({-1, 1})).squeeze(1);
  const Tensor scale =
      sorted.select(1, 0) - (sorted.select(1, 2) + sorted.select(1, 3)) / 2 + 1e-12;
  return -(true_logit - target_logit) / scale;
}

class AutoPgd : public sdk::Attack {
 public:
  AutoPgd(const ApgdSettings& settings, std::string name) : s_(settings), name_(std::move(name)) {}

  sdk::AttackTraits traits() const override {
    return {s_.norm, sdk::AttackKind::kFixedEpsilon, sdk::ModelAccess::kGradients, s_.random_start};
  }

  Tensor run(sdk::ModelView& model, const sdk::AttackRequest& request) override {
    const Tensor x0 = request.images.detach();
    const Tensor labels = request.labels.to(x0.device());
    const Tensor epsilon = budgets(request, name_);
    Closest closest{x0.clone(), torch::full({x0.size(0)}, std::numeric_limits<double>::infinity(),
                                            x0.options().dtype(torch::kDouble))};
    if (x0.size(0) == 0) return closest.images;
    if (s_.targets == 0) {
      ascend(model, x0, labels, epsilon, {}, closest);
      return closest.images;
    }
    // APGD-T: the most likely other classes of the clean images, in turn.
    Tensor clean_logits;
    {
      torch::NoGradGuard no_grad;
      clean_logits = model.logits(x0);
    }
    const int64_t classes = clean_logits.size(1);
    if (classes < s_.targets + 1 || classes < 4) {
      throw std::invalid_argument(name_ + ": targets = " + std::to_string(s_.targets) +
                                  " needs at least " +
                                  std::to_string(std::max<int64_t>(s_.targets + 1, 4)) +
                                  " classes; the model has " + std::to_string(classes));
    }
    // Class order without the true class: most likely first.
    const Tensor order =
        clean_logits.scatter(1, labels.view({-1, 1}), -std::numeric_limits<float>::infinity())
            .argsort(1, /*descending=*/true);
    for (int64_t t = 0; t < s_.targets; ++t) {
      const Tensor open = closest.distances.isinf().nonzero().flatten().to(x0.device());
      if (open.numel() == 0) break;
      Closest part{closest.images.index_select(0, open),
                   closest.distances.index_select(0, open.cpu())};
      ascend(model, x0.index_select(0, open), labels.index_select(0, open),
             epsilon.index_select(0, open), order.select(1, t).index_select(0, open), part);
      closest.images.index_copy_(0, open, part.images);
      closest.distances.index_copy_(0, open.cpu(), part.distances);
    }
    return closest.images;
  }

 private:
  // Per sample, the adversarial iterate closest to the original so far.
  struct Closest {
    Tensor images;     ///< N×C×H×W: the original where none was found
    Tensor distances;  ///< N, CPU double: +∞ where none was found
  };

  struct Probe {
    Tensor loss;      ///< N
    Tensor gradient;  ///< N×C×H×W
  };

  // The loss at x and its gradient; notes x where it is adversarial.
  Probe probe(sdk::ModelView& model, const Tensor& x, const Tensor& x0, const Tensor& labels,
              const Tensor& targets, Closest& closest) const {
    torch::AutoGradMode grad_on(true);  // the host may evaluate under a NoGradGuard
    const Tensor input = x.detach().requires_grad_(true);
    const Tensor logits = model.logits_with_grad(input);
    const int64_t needed = s_.loss == ApgdLoss::kCrossEntropy ? 2 : targets.defined() ? 4 : 3;
    if (logits.size(1) < needed) {
      throw std::invalid_argument(name_ + ": the loss needs at least " + std::to_string(needed) +
                                  " classes; the model has " + std::to_string(logits.size(1)));
    }
    const Tensor loss = apgd_loss(logits, labels, s_.loss, targets);
    const Tensor gradient = torch::autograd::grad({loss.sum()}, {input})[0];
    const Tensor adversarial = logits.detach().argmax(1).ne(labels).cpu();
    const Tensor distance = sdk::lp_norms(x - x0, s_.norm).to(torch::kCPU, torch::kDouble);
    const Tensor closer = adversarial & (distance < closest.distances);
    closest.distances = torch::where(closer, distance, closest.distances);
    closest.images =
        torch::where(sdk::expand_like(closer.to(x.device()), x), x.detach(), closest.images);
    return {loss.detach(), gradient};
  }

  // x projected onto each sample's ε-ball around x0, then onto [0,1].
  Tensor project(const Tensor& x, const Tensor& x0, const Tensor& epsilon) const {
    return (x0 + sdk::project_to_ball(x - x0, s_.norm, epsilon)).clamp(0, 1);
  }

  // One run of Algorithm 1 on every row.
  void ascend(sdk::ModelView& model, const Tensor& x0, const Tensor& labels, const Tensor& epsilon,
              const Tensor& targets, Closest& closest) const {
    const int64_t n = x0.size(0);
    const auto per_sample = [&](const Tensor& v) { return sdk::expand_like(v, x0); };
    Tensor x = x0.clone();
    if (s_.random_start) {
      // The authors' start: a uniform L∞ draw, or a point on the L2 sphere.
      const Tensor noise = s_.norm == Norm::kLinf ? 2 * torch::rand_like(x0) - 1
                                                  : sdk::normalized(torch::randn_like(x0), s_.norm);
      x = (x0 + per_sample(epsilon) * noise).clamp(0, 1);
    }
    Probe here = probe(model, x, x0, labels, targets, closest);
    Tensor x_best = x, gradient_best = here.gradient, loss_best = here.loss;
    Tensor x_previous = x;
    Tensor step = 2 * epsilon;

    // Checkpoint schedule of the published implementation.
    int64_t gap = std::max<int64_t>(static_cast<int64_t>(0.22 * static_cast<double>(s_.steps)), 1);
    const int64_t gap_min =
        std::max<int64_t>(static_cast<int64_t>(0.06 * static_cast<double>(s_.steps)), 1);
    const int64_t gap_decrease =
        std::max<int64_t>(static_cast<int64_t>(0.03 * static_cast<double>(s_.steps)), 1);
    int64_t since_check = 0;
    Tensor rises = torch::zeros({n}, x0.options());  // steps since the check where the loss rose
    Tensor reduced_at_last_check = torch::ones({n}, x0.options().dtype(torch::kBool));
    Tensor best_at_last_check = loss_best;

    for (int64_t i = 0; i < s_.steps; ++i) {
      const Tensor direction =
          s_.norm == Norm::kLinf ? here.gradient.sign() : sdk::normalized(here.gradient, s_.norm);
      const Tensor z = project(x + per_sample(step) * direction, x0, epsilon);
      const double momentum = i == 0 ? 1.0 : 0.75;
      const Tensor next =
          project(x + momentum * (z - x) + (1 - momentum) * (x - x_previous), x0, epsilon);
      x_previous = x;
      x = next;
      const Tensor loss_before = here.loss;
      here = probe(model, x, x0, labels, targets, closest);
      rises += here.loss.gt(loss_before).to(rises.scalar_type());
      const Tensor improved = here.loss > loss_best;
      x_best = torch::where(per_sample(improved), x, x_best);
      gradient_best = torch::where(per_sample(improved), here.gradient, gradient_best);
      loss_best = torch::where(improved, here.loss, loss_best);

      if (++since_check < gap) continue;
      // Halve η where the loss rose in too few steps, or where the last check
      // kept η and the best loss has not moved since; restart from the best.
      const Tensor oscillating = rises <= static_cast<double>(gap) * s_.rho;
      const Tensor stalled = reduced_at_last_check.logical_not() & best_at_last_check.ge(loss_best);
      const Tensor reduce = oscillating | stalled;
      step = torch::where(reduce, step / 2, step);
      x = torch::where(per_sample(reduce), x_best, x);
      here.gradient = torch::where(per_sample(reduce), gradient_best, here.gradient);
      reduced_at_last_check = reduce;
      best_at_last_check = loss_best;
      rises.zero_();
      since_check = 0;
      gap = std::max(gap - gap_decrease, gap_min);
    }
  }

  ApgdSettings s_;
  std::string name_;
};

void add_apgd(sdk::Registrar& registrar, const std::string& name, Norm norm, ApgdLoss loss,
              const std::string& description) {
  sdk::OptionList options;
  options.add_int("steps", 100, "gradient steps per run (AutoAttack default)")
      .at_least(1)
      .add_float("rho", 0.75,
                 "a checkpoint halves the step where the loss rose in at most this share of "
                 "the steps since the last one (AutoAttack default)")
      .between(0, 1)
      .add_bool("random_start", true, "start from a random point of the epsilon-ball");
  if (loss == ApgdLoss::kDlr) {
    options
        .add_int("targets", 0,
                 "0: untargeted; k: APGD-T, one run against each of the k most likely other "
                 "classes (targeted DLR loss, needs k + 1 and at least 4 classes)")
        .between(0, 1000);
  }
  registrar.add_attack({name, description, options.specs()}, [=](const sdk::Options& o) {
    ApgdSettings s;
    s.norm = norm;
    s.loss = loss;
    s.steps = o.get_int("steps");
    s.rho = o.get_float("rho");
    s.random_start = o.get_bool("random_start");
    if (loss == ApgdLoss::kDlr) s.targets = o.get_int("targets");
    return std::make_shared<AutoPgd>(s, name);
  });
}

}  // namespace

void register_apgd(sdk::Registrar& registrar) {
  add_apgd(registrar, "apgd_ce_linf", Norm::kLinf, ApgdLoss::kCrossEntropy,
           "L-inf Auto-PGD on the cross-entropy, step size from a schedule (Croce & Hein 2020)");
  add_apgd(registrar, "apgd_ce_l2", Norm::kL2, ApgdLoss::kCrossEntropy,
           "L2 Auto-PGD on the cross-entropy, step size from a schedule (Croce & Hein 2020)");
  add_apgd(registrar, "apgd_dlr_linf", Norm::kLinf, ApgdLoss::kDlr,
           "L-inf Auto-PGD on the difference of logits ratio; targeted (APGD-T) with targets > 0 "
           "(Croce & Hein 2020)");
  add_apgd(registrar, "apgd_dlr_l2", Norm::kL2, ApgdLoss::kDlr,
           "L2 Auto-PGD on the difference of logits ratio; targeted (APGD-T) with targets > 0 "
           "(Croce & Hein 2020)");
}

}  // namespace neuroreg::gradient_attacks
