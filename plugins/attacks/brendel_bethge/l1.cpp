// `brendel_bethge_l1`: the L1 Brendel–Bethge attack (Brendel et al., "Accurate,
// reliable and fast robustness evaluation", NeurIPS 2019). Defaults are
// Foolbox 3's (see brendel_bethge.cpp).
//
// The L1 subproblem, min ‖dx − δ‖₁ s.t. b·δ = c, box, ‖δ‖₂ ≤ r, is solved
// through its Lagrangian, as Foolbox does, but without its BFGS-B over the two
// multipliers. With the trust-region term μ‖δ‖² written as τ = 1/(2μ), each
// coordinate's minimiser is the ridge point v = νb_i pulled towards dx_i by a
// soft threshold of τ, then clipped to the box:
//   δ_i = clip(dx_i + soft(νb_i − dx_i, τ), lo_i, hi_i).
// b·δ is piecewise linear and nondecreasing in ν (four breakpoints per
// coordinate), so piecewise_linear_root finds the ν meeting b·δ = c; the
// step's L2 norm grows with τ, so a bisection on log τ meets the trust region.
// Coordinates inside the threshold return exactly to the original: the steps
// stay sparse.
#include <torch/torch.h>

#include <cmath>
#include <utility>

#include "brendel_bethge.h"

namespace neuroreg::brendel_bethge {

namespace {

constexpr int kMaxBisections = 25;
// A step using this much of the trust region is as good as one using all of it.
constexpr double kRadiusUse = 0.999;
// τ below the first is a plain clipped ridge step (the shortest step); above
// the second, far larger than any pixel range, the L1 term decides alone.
constexpr double kTauMin = 1e-9;
constexpr double kTauMax = 1e3;

// The L1 Lagrangian step for per-sample thresholds `tau` (N); `nu` is the
// multiplier found, a warm start for the next τ.
struct L1Step {
  torch::Tensor delta;
  torch::Tensor nu;
};

L1Step l1_step(const Subproblem& p, const torch::Tensor& tau, const torch::Tensor& warm) {
  const torch::Tensor t = tau.unsqueeze(1);
  auto pulled = [&](const torch::Tensor& nu) {
    const torch::Tensor v = nu.unsqueeze(1) * p.b;
    const torch::Tensor d =
        torch::where(v > p.dx + t, v - t, torch::where(v < p.dx - t, v + t, p.dx));
    return std::make_pair(v, torch::minimum(torch::maximum(d, p.lo), p.hi));
  };
  PiecewiseLinear f;
  // b·δ rises with slope b_i² in ν while νb_i is on one of the two ramps:
  // between the clip below and the threshold, or the threshold and the clip above.
  const torch::Tensor b2 = p.b * p.b;
  f.at = [&](const torch::Tensor& nu) {
    auto [v, d] = pulled(nu);
    const torch::Tensor ramp =
        ((v > p.lo - t) & (v < p.dx - t)) | ((v > p.dx + t) & (v < p.hi + t));
    return std::make_pair((p.b * d).sum(1), (b2 * ramp).sum(1));
  };
  // Where νb_i crosses the clip below, the threshold's two edges, the clip
  // above; seen from ν their order flips with the sign of b_i, hence b|b|.
  const torch::Tensor moving = p.b.ne(0).repeat({1, 4});
  const torch::Tensor edges = torch::cat({p.lo - t, p.dx - t, p.dx + t, p.hi + t}, 1);
  const torch::Tensor safe_b = torch::where(moving, p.b.repeat({1, 4}), torch::ones_like(edges));
  f.breakpoints = torch::where(moving, edges / safe_b, torch::zeros_like(edges));
  const torch::Tensor w = p.b * p.b.abs();
  f.slopes = torch::cat({w, -w, w, -w}, 1);
  f.f_min = torch::minimum(p.b * p.lo, p.b * p.hi).sum(1);
  f.f_max = torch::maximum(p.b * p.lo, p.b * p.hi).sum(1);
  const torch::Tensor target = torch::minimum(torch::maximum(p.c, f.f_min), f.f_max);
  const torch::Tensor nu =
      piecewise_linear_root(f, target, warm, root_tolerance(p.c, f.f_min, f.f_max));
  return {pulled(nu).second, nu};
}

torch::Tensor solve_l1(const Subproblem& p) {
  // Shortest step onto the boundary: if it does not fit, no step does.
  const LineStep shortest = clipped_line_step(torch::zeros_like(p.dx), p.b, p.lo, p.hi, p.c);
  const torch::Tensor feasible = shortest.reachable & within(shortest.delta, p.r);

  torch::Tensor log_lo = torch::full_like(p.c, std::log(kTauMin));  // fits (when feasible)
  torch::Tensor log_hi = torch::full_like(p.c, std::log(kTauMax));
  // The shortest step is the ridge step's limit: its λ warm-starts ν.
  const L1Step widest = l1_step(p, log_hi.exp(), shortest.lambda);
  torch::Tensor delta = widest.delta;
  const torch::Tensor done = within(delta, p.r);
  torch::Tensor open = feasible & done.logical_not();
  if (open.any().item<bool>()) {
    torch::Tensor inner = shortest.delta;
    torch::Tensor nu = shortest.lambda;
    for (int i = 0; i < kMaxBisections && open.any().item<bool>(); ++i) {
      const torch::Tensor mid = (log_lo + log_hi) / 2;
      const L1Step step = l1_step(p, mid.exp(), nu);
      const torch::Tensor fits = within(step.delta, p.r);
      log_lo = torch::where(fits, mid, log_lo);
      log_hi = torch::where(fits, log_hi, mid);
      inner = torch::where(fits.unsqueeze(1), step.delta, inner);
      nu = step.nu;
      open = open & (inner.norm(2, 1) < kRadiusUse * p.r);
    }
    delta = torch::where(done.unsqueeze(1), delta, inner);
  }
  return torch::where(feasible.unsqueeze(1), delta, towards_boundary(p));
}

}  // namespace

void register_l1(sdk::Registrar& registrar) {
  register_attack(registrar, "brendel_bethge_l1", "L1", sdk::Norm::kL1, solve_l1);
}

}  // namespace neuroreg::brendel_bethge
