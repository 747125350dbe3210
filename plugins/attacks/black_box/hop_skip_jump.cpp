// `hop_skip_jump_l2`, `hop_skip_jump_linf`: HopSkipJumpAttack of Chen, Jordan
// & Wainwright, "HopSkipJumpAttack: A Query-Efficient Decision-Based Attack"
// (IEEE S&P 2020). L2 or L∞ minimisation from labels alone.
//
// Each iteration sits on the decision boundary and
//   1. estimates the boundary's normal by Monte-Carlo: labels of random probes
//      at radius δ around the point, their directions weighted ±1 by the
//      decision (minus the mean decision, which cancels most of the noise);
//   2. steps along that estimate (its sign for L∞) by ‖x_t − x*‖/√t, halving
//      the step until the point is still adversarial (geometric progression),
//      or picks the best of a log-spaced grid of steps (grid search);
//   3. bisects back to the boundary towards the original: linear blending for
//      L2, shrinking the L∞ ball around the original for L∞.
// The bisection stops at precision θ = γ/d^{3/2} (L2) or γ/d² (L∞), of the
// blend factor or of the L∞ radius relative to the current distance, and the
// probe radius is δ_t = √d·θ·dist (L2) or d·θ·dist (L∞), 0.1 on the first
// iteration, as in the paper. The probes of all samples for one iteration go
// to the model together, chunked to bound memory.
//
// Defaults are Foolbox 3's, which follow the paper: steps 64,
// initial_gradient_eval_steps 100 (growing as 100·√t), max_gradient_eval_steps
// 10000, stepsize_search "geometric_progression", gamma 1.0. Unlike Foolbox,
// each sample keeps the closest adversarial it has visited, and a sample whose
// step is still not adversarial after 30 halvings stays where it is; the
// result is re-checked in one batch (confirm_adversarial).
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "black_box.h"

namespace {

namespace sdk = neuroreg::sdk;
using neuroreg::black_box::search_from_adversarial_noise;
using sdk::Norm;
using sdk::Options;
using torch::Tensor;

/// Probe values per model call in the gradient estimate (32 MiB of floats).
constexpr int64_t kMaxProbeValues = int64_t{1} << 23;
/// Halvings of a geometric step before a sample gives up moving this iteration.
constexpr int kMaxHalvings = 30;
/// Steps of the grid search, log-spaced from 1e-4 to 1 times the distance (Foolbox 3).
constexpr int kGridSize = 20;

class HopSkipJump : public sdk::Attack {
 public:
  HopSkipJump(std::string name, Norm norm, const Options& options)
      : name_(std::move(name)),
        norm_(norm),
        steps_(options.get_int("steps")),
        initial_evals_(options.get_int("initial_gradient_eval_steps")),
        max_evals_(options.get_int("max_gradient_eval_steps")),
        gamma_(options.get_float("gamma")) {
    const std::string& search = options.get_string("stepsize_search");
    grid_search_ = search == "grid_search";
    // A relation between two keys: beyond what one key's declaration can say.
    if (max_evals_ < initial_evals_) {
      throw std::invalid_argument(name_ +
                                  ": option 'max_gradient_eval_steps' must be at least "
                                  "initial_gradient_eval_steps (" +
                                  std::to_string(initial_evals_) + "), got " +
                                  std::to_string(max_evals_));
    }
  }

  sdk::AttackTraits traits() const override {
    return {norm_, sdk::AttackKind::kMinimization, sdk::ModelAccess::kDecisions,
            /*randomized=*/true};
  }

  Tensor run(sdk::ModelView& model, const sdk::AttackRequest& request) override {
    return search_from_adversarial_noise(
        model, request, [&](const Tensor& x, const Tensor& y, const Tensor& starts) {
          return iterate(model, x, y, starts);
        });
  }

 private:
  /// The attack's iterations from `starts` (adversarial): the closest point
  /// to `x` visited per sample.
  Tensor iterate(sdk::ModelView& model, const Tensor& x, const Tensor& y, const Tensor& starts) {
    const double d = static_cast<double>(x[0].numel());
    theta_ = gamma_ / (norm_ == Norm::kL2 ? d * std::sqrt(d) : d * d);
    bisection_steps_ = static_cast<int>(std::ceil(std::log2(1.0 / theta_)));

    Tensor current = to_boundary(model, x, starts, y);
    Tensor distances = sdk::lp_norms(current - x, norm_);
    Tensor best = current.clone();
    Tensor best_distances = distances.clone();
    for (int64_t t = 0; t < steps_; ++t) {
      const Tensor delta = t == 0 ? torch::full_like(distances, 0.1)
                                  : distances * (norm_ == Norm::kL2 ? std::sqrt(d) : d) * theta_;
      const int64_t evals =
          std::min(static_cast<int64_t>(static_cast<double>(initial_evals_) * std::sqrt(t + 1.0)),
                   max_evals_);
      const Tensor gradient = estimate_gradient(model, current, y, delta, evals);
      const Tensor update = norm_ == Norm::kLinf ? gradient.sign() : gradient;
      current = grid_search_ ? grid_step(model, x, y, current, update, distances)
                             : geometric_step(model, x, y, current, update, distances, t);
      distances = sdk::lp_norms(current - x, norm_);
      const Tensor closer = distances < best_distances;
      best = torch::where(sdk::expand_like(closer, best), current, best);
      best_distances = torch::minimum(distances, best_distances);
    }
    return best;
  }

  /// The unit L2 direction (per sample) that the decision boundary's normal
  /// points along at `points`, from `evals` labelled probes at radius `delta`.
  Tensor estimate_gradient(sdk::ModelView& model, const Tensor& points, const Tensor& labels,
                           const Tensor& delta, int64_t evals) const {
    const int64_t n = points.size(0);
    const Tensor flat = points.flatten(1).unsqueeze(1);  // n×1×D
    const int64_t dims = flat.size(2);
    const int64_t per_call = std::max<int64_t>(1, kMaxProbeValues / (n * dims));

    // mean((φ − mean φ)·u) = mean(φ·u) − mean(φ)·mean(u): three running sums
    // give the baseline-corrected estimate without keeping every probe.
    Tensor sum_phi_u = torch::zeros({n, dims}, points.options());
    Tensor sum_u = torch::zeros({n, dims}, points.options());
    Tensor sum_phi = torch::zeros({n}, points.options());
    for (int64_t done = 0; done < evals; done += per_call) {
      const int64_t k = std::min(per_call, evals - done);
      // Gaussian probes for L2, uniform in the cube for L∞; unit L2 length either way.
      Tensor u = norm_ == Norm::kL2 ? torch::randn({n * k, dims}, points.options())
                                    : torch::rand({n * k, dims}, points.options()) * 2 - 1;
      u = sdk::normalized(u, Norm::kL2).view({n, k, dims});
      const Tensor probes = (flat + delta.view({n, 1, 1}) * u).clamp(0, 1);
      // The move each probe really made after clipping; its per-sample scale
      // 1/δ would cancel in the final normalisation.
      u = probes - flat;
      std::vector<int64_t> shape = points.sizes().vec();
      shape[0] = n * k;
      const Tensor adversarial =
          model.labels(probes.view(shape)).ne(labels.unsqueeze(1).expand({n, k}).reshape(-1));
      const Tensor phi = adversarial.view({n, k}).to(points.scalar_type()) * 2 - 1;
      sum_phi_u += (phi.unsqueeze(2) * u).sum(1);
      sum_u += u.sum(1);
      sum_phi += phi.sum(1);
    }
    const double count = static_cast<double>(evals);
    const Tensor mean_phi = sum_phi / count;
    // When every probe agreed the baseline would zero the estimate: keep it raw.
    const Tensor baseline =
        torch::where(mean_phi.abs() == 1, torch::zeros_like(mean_phi), mean_phi);
    const Tensor gradient = sum_phi_u / count - baseline.unsqueeze(1) * (sum_u / count);
    return sdk::normalized(gradient.view_as(points), Norm::kL2);
  }

  /// Steps of ‖x_t − x*‖/√(t+1) along `update`, halved per sample until the
  /// point stays adversarial, then back to the boundary.
  Tensor geometric_step(sdk::ModelView& model, const Tensor& x, const Tensor& y,
                        const Tensor& current, const Tensor& update, const Tensor& distances,
                        int64_t t) const {
    Tensor size = distances / std::sqrt(t + 1.0);
    Tensor accepted = torch::zeros_like(distances, torch::kBool);
    Tensor pending = torch::arange(x.size(0), y.options());
    for (int h = 0; h < kMaxHalvings && pending.numel() > 0; ++h) {
      const Tensor moved = (current.index_select(0, pending) +
                            sdk::expand_like(size.index_select(0, pending), update) *
                                update.index_select(0, pending))
                               .clamp(0, 1);
      const Tensor ok = model.labels(moved).ne(y.index_select(0, pending));
      accepted.index_fill_(0, pending.masked_select(ok), true);
      pending = pending.masked_select(ok.logical_not());
      size.index_copy_(0, pending, size.index_select(0, pending) / 2);
    }
    Tensor moved = (current + sdk::expand_like(size, update) * update).clamp(0, 1);
    moved = torch::where(sdk::expand_like(accepted, moved), moved, current);
    return to_boundary(model, x, moved, y);
  }

  /// The closest to the originals of kGridSize steps along `update` (1e-4 to 1
  /// times the distance), each bisected back to the boundary; the current
  /// point where no step is adversarial.
  Tensor grid_step(sdk::ModelView& model, const Tensor& x, const Tensor& y, const Tensor& current,
                   const Tensor& update, const Tensor& distances) const {
    Tensor best = current.clone();
    Tensor best_distances = distances.clone();
    for (int i = 0; i < kGridSize; ++i) {
      const double factor = std::pow(10.0, -4.0 + 4.0 * i / (kGridSize - 1));
      const Tensor moved =
          (current + sdk::expand_like(distances * factor, update) * update).clamp(0, 1);
      const Tensor rows = model.labels(moved).ne(y).nonzero().flatten();
      if (rows.numel() == 0) continue;
      const Tensor xr = x.index_select(0, rows);
      const Tensor landed =
          to_boundary(model, xr, moved.index_select(0, rows), y.index_select(0, rows));
      const Tensor landed_distances = sdk::lp_norms(landed - xr, norm_);
      const Tensor closer = landed_distances < best_distances.index_select(0, rows);
      best.index_copy_(
          0, rows,
          torch::where(sdk::expand_like(closer, landed), landed, best.index_select(0, rows)));
      best_distances.index_copy_(
          0, rows, torch::minimum(landed_distances, best_distances.index_select(0, rows)));
    }
    return best;
  }

  /// The point just across the boundary between each original and its
  /// adversarial `far` point, to precision θ. L2 blends linearly; L∞ shrinks
  /// the L∞ ball around the original that `far` is clipped to.
  Tensor to_boundary(sdk::ModelView& model, const Tensor& x, const Tensor& far,
                     const Tensor& y) const {
    if (norm_ == Norm::kL2) return sdk::bisect_to_boundary(model, x, far, y, bisection_steps_);
    const Tensor delta = far - x;
    const Tensor radius = sdk::lp_norms(delta, Norm::kLinf);
    Tensor lo = torch::zeros_like(radius);  // fractions of the radius; hi stays adversarial
    Tensor hi = torch::ones_like(radius);
    for (int s = 0; s < bisection_steps_; ++s) {
      const Tensor mid = (lo + hi) / 2;
      const Tensor adversarial =
          model.labels(x + sdk::project_to_ball(delta, Norm::kLinf, mid * radius)).ne(y);
      hi = torch::where(adversarial, mid, hi);
      lo = torch::where(adversarial, lo, mid);
    }
    return x + sdk::project_to_ball(delta, Norm::kLinf, hi * radius);
  }

  std::string name_;
  Norm norm_;
  int64_t steps_;
  int64_t initial_evals_;
  int64_t max_evals_;
  double gamma_;
  bool grid_search_ = false;
  double theta_ = 0;         // set per run: depends on the image size
  int bisection_steps_ = 0;  // log2(1/θ)
};

}  // namespace

namespace neuroreg::black_box {

void register_hop_skip_jump(sdk::Registrar& registrar) {
  sdk::OptionList options;
  options.add_int("steps", 64, "iterations: gradient estimate, step, bisection (Foolbox 3)")
      .at_least(0);
  options
      .add_int("initial_gradient_eval_steps", 100,
               "probes for the first gradient estimate, growing as √t (Foolbox 3, the paper's 100)")
      .at_least(1);
  options
      .add_int("max_gradient_eval_steps", 10000,
               "most probes for one gradient estimate (Foolbox 3, the paper's 10000)")
      .at_least(1);
  options
      .add_string("stepsize_search", "geometric_progression",
                  "\"geometric_progression\" (halve ‖x_t − x*‖/√t until adversarial) or "
                  "\"grid_search\" (best of 20 log-spaced steps) (Foolbox 3)")
      .one_of({"geometric_progression", "grid_search"});
  options
      .add_float("gamma", 1.0,
                 "bisection precision θ = gamma/d^1.5 (L2) or gamma/d² (L∞) (Foolbox 3, the paper)")
      .above(0);
  register_norm_variants<HopSkipJump>(
      registrar, options,
      {{"hop_skip_jump_l2", Norm::kL2,
        "HopSkipJump (Chen et al. 2020): L2 minimisation from labels, Monte-Carlo boundary "
        "normals"},
       {"hop_skip_jump_linf", Norm::kLinf,
        "HopSkipJump (Chen et al. 2020): L∞ minimisation from labels, Monte-Carlo boundary "
        "normals"}});
}

}  // namespace neuroreg::black_box
