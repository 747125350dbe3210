// `brendel_bethge_l2`: the L2 Brendel–Bethge attack (Brendel et al., "Accurate,
// reliable and fast robustness evaluation", NeurIPS 2019), the main L2 attack
// of Li et al. (2019). Defaults are Foolbox 3's (see brendel_bethge.cpp).
//
// The L2 subproblem, min ‖dx − δ‖₂ s.t. b·δ = c, box, ‖δ‖₂ ≤ r, is a
// projection. Its Lagrangian minimiser is δ = clip(s·dx + λb, box) with
// s = 1/(1 + μ) ∈ (0, 1] for the trust-region multiplier μ. For a given s the
// λ meeting b·δ = c is found by a safeguarded Newton search (exact once on
// the right linear piece, see clipped_line_step), and the step's norm
// shrinks as s falls, so a bisection on s meets the trust region. Foolbox's
// solver reaches the same point with an active-set loop; this form needs no
// per-sample code.
#include <torch/torch.h>

#include "brendel_bethge.h"

namespace neuroreg::brendel_bethge {

namespace {

constexpr int kMaxBisections = 20;
// A step using this much of the trust region is as good as one using all of it.
constexpr double kRadiusUse = 0.999;

torch::Tensor solve_l2(const Subproblem& p) {
  const torch::Tensor zero = torch::zeros_like(p.dx);
  // s = 1: the nearest point to the original on the linearised boundary.
  const LineStep nearest = clipped_line_step(p.dx, p.b, p.lo, p.hi, p.c);
  const torch::Tensor done = within(nearest.delta, p.r);
  // s → 0: the shortest step onto the boundary; if even that leaves the trust
  // region (or the box cannot reach the boundary), step towards it instead.
  const LineStep shortest = clipped_line_step(zero, p.b, p.lo, p.hi, p.c);
  const torch::Tensor feasible = shortest.reachable & within(shortest.delta, p.r);

  torch::Tensor delta = shortest.delta;
  if ((feasible & done.logical_not()).any().item<bool>()) {
    torch::Tensor s_lo = torch::zeros_like(p.c);  // fits
    torch::Tensor s_hi = torch::ones_like(p.c);   // does not fit
    torch::Tensor lambda = nearest.lambda;        // λ moves little between neighbouring s
    torch::Tensor open = feasible & done.logical_not();
    for (int i = 0; i < kMaxBisections && open.any().item<bool>(); ++i) {
      const torch::Tensor s = (s_lo + s_hi) / 2;
      const LineStep mid = clipped_line_step(s.unsqueeze(1) * p.dx, p.b, p.lo, p.hi, p.c, lambda);
      const torch::Tensor fits = within(mid.delta, p.r);
      s_lo = torch::where(fits, s, s_lo);
      s_hi = torch::where(fits, s_hi, s);
      delta = torch::where(fits.unsqueeze(1), mid.delta, delta);
      lambda = mid.lambda;
      open = open & (delta.norm(2, 1) < kRadiusUse * p.r);
    }
  }
  delta = torch::where(done.unsqueeze(1), nearest.delta, delta);
  return torch::where(feasible.unsqueeze(1), delta, towards_boundary(p));
}

}  // namespace

void register_l2(sdk::Registrar& registrar) {
  register_attack(registrar, "brendel_bethge_l2", "L2", sdk::Norm::kL2, solve_l2);
}

}  // namespace neuroreg::brendel_bethge
