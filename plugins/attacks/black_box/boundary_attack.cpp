// `boundary_attack`: the Boundary Attack of Brendel, Rauber & Bethge,
// "Decision-Based Adversarial Attacks: Reliable Attacks Against Black-Box
// Machine Learning Models" (ICLR 2018). L2 minimisation from labels alone.
//
// It starts far away, from an adversarial noise image bisected to the decision
// boundary, and walks along the boundary towards the original: each step is a
// random orthogonal (spherical) move that keeps the distance, then a small step
// towards the original; a candidate that is still adversarial becomes the new
// point. The two step sizes adapt to how often proposals stay adversarial, so
// the walk follows the boundary's local curvature: the spherical step wants
// about half its proposals adversarial, the step towards the original between
// 10% and 25%.
//
// All defaults are Foolbox 3's (steps 25000, spherical_step 0.01, source_step
// 0.01, source_step_convergance 1e-7 (Foolbox's spelling), step_adaptation 1.5,
// update_stats_every_k 10, success windows of 100 and 30 proposals). Unlike
// Foolbox 3, every sample draws its own orthogonal direction (Foolbox shares
// one across the batch), and a converged sample (source step below the
// threshold) stops for good instead of being queried until all converge.
// The result is re-checked in one batch and, where rounding flips a point that
// sits on the boundary, pushed slightly outwards (confirm_adversarial).
#include <torch/torch.h>

#include <cmath>

#include "black_box.h"

namespace {

namespace sdk = neuroreg::sdk;
using neuroreg::black_box::search_from_adversarial_noise;
using sdk::Options;
using torch::Tensor;

constexpr const char* kName = "boundary_attack";

/// The last `length` outcomes per sample (NaN where none yet), from which the
/// step sizes adapt. A window is "full" once it holds `length` outcomes since
/// it was last cleared, so each adaptation rests on fresh evidence.
class SuccessWindow {
 public:
  SuccessWindow(int64_t samples, int64_t length, const torch::TensorOptions& options)
      : data_(torch::full({samples, length}, NAN, options)) {}

  void record(const Tensor& rows, const Tensor& outcomes) {
    data_.select(1, next_).index_put_({rows}, outcomes.to(data_.dtype()));
    next_ = (next_ + 1) % data_.size(1);
  }
  Tensor full() const { return data_.isnan().any(1).logical_not(); }
  Tensor rate() const { return torch::nanmean(data_, 1); }
  void clear(const Tensor& rows) { data_.index_put_({rows}, NAN); }

 private:
  Tensor data_;
  int64_t next_ = 0;
};

class BoundaryAttack : public sdk::Attack {
 public:
  explicit BoundaryAttack(const Options& options)
      : steps_(options.get_int("steps")),
        spherical_step_(options.get_float("spherical_step")),
        source_step_(options.get_float("source_step")),
        convergence_(options.get_float("source_step_convergance")),
        adaptation_(options.get_float("step_adaptation")),
        stats_every_(options.get_int("update_stats_every_k")) {}

  sdk::AttackTraits traits() const override {
    return {sdk::Norm::kL2, sdk::AttackKind::kMinimization, sdk::ModelAccess::kDecisions,
            /*randomized=*/true};
  }

  Tensor run(sdk::ModelView& model, const sdk::AttackRequest& request) override {
    return search_from_adversarial_noise(
        model, request, [&](const Tensor& x, const Tensor& y, const Tensor& starts) {
          return walk(model, x, y, starts);
        });
  }

 private:
  /// The walk along the boundary from `starts` (adversarial) towards `x`.
  Tensor walk(sdk::ModelView& model, const Tensor& x, const Tensor& y, const Tensor& starts) const {
    Tensor best = sdk::bisect_to_boundary(model, x, starts, y);
    const int64_t n = x.size(0);
    StepSizes steps(n, spherical_step_, source_step_, x.options());

    for (int64_t step = 1; step <= steps_; ++step) {
      // Converged samples (their step towards the original has shrunk to
      // nothing) are done and cost no more queries.
      const Tensor live = (steps.source >= convergence_).nonzero().flatten();
      if (live.numel() == 0) break;
      const bool all_live = live.numel() == n;
      auto pick = [&](const Tensor& t) { return all_live ? t : t.index_select(0, live); };
      const Tensor xl = pick(x);
      const Tensor yl = pick(y);
      const Tensor current = pick(best);
      const Proposals p = propose(xl, current, pick(steps.spherical), pick(steps.source));

      // The spherical proposals are only needed for the statistics, so they are
      // queried only on the steps that update them, in the same call.
      const bool update_stats = step % stats_every_ == 0;
      const int64_t b = xl.size(0);
      Tensor is_adv, spherical_adv;
      if (update_stats) {
        const Tensor both = model.labels(torch::cat({p.candidates, p.spherical})).ne(yl.repeat(2));
        is_adv = both.slice(0, 0, b);
        spherical_adv = both.slice(0, b);
      } else {
        is_adv = model.labels(p.candidates).ne(yl);
      }

      // Closer by construction, but rounding and clipping can break that.
      const Tensor closer = sdk::lp_norms(xl - p.candidates, sdk::Norm::kL2) < p.distances;
      best.index_copy_(
          0, live, torch::where(sdk::expand_like(is_adv & closer, current), p.candidates, current));

      if (update_stats) {
        const Tensor is_live =
            torch::zeros({n}, y.options().dtype(torch::kBool)).index_fill_(0, live, true);
        adapt(steps, live, is_live, is_adv, spherical_adv);
      }
    }
    return best;
  }

  /// Each sample's two step sizes and the outcomes they adapt to.
  struct StepSizes {
    StepSizes(int64_t n, double spherical_step, double source_step,
              const torch::TensorOptions& real)
        : spherical(torch::full({n}, spherical_step, real)),
          source(torch::full({n}, source_step, real)),
          spherical_window(n, 100, real),
          step_window(n, 30, real) {}
    Tensor spherical;
    Tensor source;
    SuccessWindow spherical_window;
    SuccessWindow step_window;
  };

  /// Records the `live` samples' outcomes and adapts the step sizes of those
  /// (`is_live`) whose windows are full.
  void adapt(StepSizes& steps, const Tensor& live, const Tensor& is_live, const Tensor& is_adv,
             const Tensor& spherical_adv) const {
    steps.spherical_window.record(live, spherical_adv);
    steps.step_window.record(live, is_adv);
    // Spherical proposals adversarial too often: the boundary looks flat at
    // this scale, so both steps can grow; too rarely: both shrink.
    Tensor full = steps.spherical_window.full() & is_live;
    Tensor up = full & (steps.spherical_window.rate() > 0.5);
    Tensor down = full & (steps.spherical_window.rate() < 0.2);
    const Tensor factor = scale(up, down, steps.source);
    steps.spherical *= factor;
    steps.source *= factor;
    steps.spherical_window.clear(up | down);
    // The same for the step towards the original, on its own success rate.
    full = steps.step_window.full() & is_live;
    up = full & (steps.step_window.rate() > 0.25);
    down = full & (steps.step_window.rate() < 0.1);
    steps.source *= scale(up, down, steps.source);
    steps.step_window.clear(up | down);
  }

  struct Proposals {
    Tensor spherical;   ///< after the orthogonal step only
    Tensor candidates;  ///< after the step towards the original too
    Tensor distances;   ///< of the current points to the originals
  };

  Proposals propose(const Tensor& originals, const Tensor& current, const Tensor& spherical,
                    const Tensor& source) const {
    const Tensor to_original = originals - current;
    const Tensor distances = sdk::lp_norms(to_original, sdk::Norm::kL2);
    const Tensor direction = sdk::normalized(to_original, sdk::Norm::kL2);

    // A Gaussian direction with its component along `direction` removed, of
    // length spherical·distance: a tangent move on the sphere around the original.
    Tensor eta = torch::randn_like(current);
    eta -= sdk::expand_like((eta * direction).flatten(1).sum(1), eta) * direction;
    eta = sdk::normalized(eta, sdk::Norm::kL2) * sdk::expand_like(spherical * distances, eta);

    // current + eta lies sqrt(1 + spherical²)·distance from the original
    // (Pythagoras); rescaling brings it back onto the sphere.
    const Tensor on_sphere =
        (originals + (eta - to_original) / sdk::expand_like((spherical.square() + 1).sqrt(), eta))
            .clamp(0, 1);

    // A step of source·distance towards the original, lengthened by however far
    // clipping moved the point off the sphere.
    const Tensor back = originals - on_sphere;
    const Tensor back_norms = sdk::lp_norms(back, sdk::Norm::kL2);
    const Tensor length =
        (source * distances + back_norms - distances).clamp_min(0) / back_norms.clamp_min(1e-12);
    const Tensor candidates = (on_sphere + sdk::expand_like(length, back) * back).clamp(0, 1);
    return {on_sphere, candidates, distances};
  }

  /// Per-sample factors: step_adaptation where `up`, its inverse where `down`.
  Tensor scale(const Tensor& up, const Tensor& down, const Tensor& like) const {
    const Tensor ones = torch::ones_like(like);
    return torch::where(up, ones * adaptation_, torch::where(down, ones / adaptation_, ones));
  }

  int64_t steps_;
  double spherical_step_;
  double source_step_;
  double convergence_;
  double adaptation_;
  int64_t stats_every_;
};

}  // namespace

namespace neuroreg::black_box {

void register_boundary_attack(sdk::Registrar& registrar) {
  sdk::OptionList options;
  options.add_int("steps", 25000, "maximum number of steps (Foolbox 3)").at_least(0);
  options
      .add_float("spherical_step", 1e-2,
                 "initial orthogonal step, relative to the distance to the original (Foolbox 3)")
      .above(0);
  options
      .add_float("source_step", 1e-2,
                 "initial step towards the original, relative to that distance (Foolbox 3)")
      .above(0)
      .below(1);
  options
      .add_float("source_step_convergance", 1e-7,
                 "a sample stops once its step towards the original falls below this "
                 "(Foolbox 3, whose spelling this keeps)")
      .at_least(0)
      .below(1);
  options
      .add_float("step_adaptation", 1.5,
                 "factor by which step sizes grow or shrink with their success rates (Foolbox 3)")
      .above(1);
  options
      .add_int("update_stats_every_k", 10,
               "query the spherical proposals and adapt step sizes every k steps (Foolbox 3)")
      .at_least(1);
  registrar.add_attack(
      {kName,
       "Boundary Attack (Brendel et al. 2018): L2 walk along the decision boundary, labels only",
       options.specs()},
      [](const Options& opts) { return std::make_shared<BoundaryAttack>(opts); });
}

}  // namespace neuroreg::black_box
