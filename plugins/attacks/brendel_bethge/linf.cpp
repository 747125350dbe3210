// `brendel_bethge_linf`: the L∞ Brendel–Bethge attack (Brendel et al.,
// "Accurate, reliable and fast robustness evaluation", NeurIPS 2019).
// Defaults are Foolbox 3's (see brendel_bethge.cpp).
//
// The L∞ subproblem, min ‖dx − δ‖_∞ s.t. b·δ = c, box, ‖δ‖₂ ≤ r, is solved as
// Foolbox does: bisect on the L∞ radius ε around the original. A given ε is
// feasible when, inside the box shrunk to the ε-ball, some step lands on the
// linearised boundary within the trust region, which the shortest such step
// (clipped_line_step with a = 0) decides. The step kept is that
// shortest one at the smallest feasible ε.
#include <torch/torch.h>

#include "brendel_bethge.h"

namespace neuroreg::brendel_bethge {

namespace {

constexpr int kMaxBisections = 20;
// ε this close to the smallest feasible one is as good as it.
constexpr double kRelativePrecision = 1e-4;

torch::Tensor solve_linf(const Subproblem& p) {
  const torch::Tensor zero = torch::zeros_like(p.dx);
  // Whole box: if the shortest step does not fit, no ε can.
  const LineStep shortest = clipped_line_step(zero, p.b, p.lo, p.hi, p.c);
  const torch::Tensor feasible = shortest.reachable & within(shortest.delta, p.r);

  // That step keeps x + δ within ‖dx‖_∞ + ‖δ‖_∞ of the original, and no step
  // of L2 norm r gets closer than ‖dx‖_∞ − r: together they bracket ε.
  const torch::Tensor far = p.dx.abs().amax(1);
  torch::Tensor eps_hi = far + shortest.delta.abs().amax(1);
  torch::Tensor eps_lo = (far - p.r).clamp_min(0);
  torch::Tensor delta = shortest.delta;
  torch::Tensor lambda = shortest.lambda;
  auto open = [&] { return feasible & (eps_hi - eps_lo > kRelativePrecision * eps_hi); };
  for (int i = 0; i < kMaxBisections && open().any().item<bool>(); ++i) {
    const torch::Tensor eps = ((eps_lo + eps_hi) / 2).unsqueeze(1);
    const LineStep mid = clipped_line_step(zero, p.b, torch::maximum(p.lo, p.dx - eps),
                                           torch::minimum(p.hi, p.dx + eps), p.c, lambda);
    const torch::Tensor fits = mid.reachable & within(mid.delta, p.r);
    eps_hi = torch::where(fits, eps.squeeze(1), eps_hi);
    eps_lo = torch::where(fits, eps_lo, eps.squeeze(1));
    delta = torch::where(fits.unsqueeze(1), mid.delta, delta);
    lambda = mid.lambda;
  }
  return torch::where(feasible.unsqueeze(1), delta, towards_boundary(p));
}

}  // namespace

void register_linf(sdk::Registrar& registrar) {
  register_attack(registrar, "brendel_bethge_linf", "L-infinity", sdk::Norm::kLinf, solve_linf);
}

}  // namespace neuroreg::brendel_bethge
