// Shared pieces of the Brendel–Bethge family ("Accurate, reliable and fast
// robustness evaluation", Brendel, Rauber, Kümmerer, Ustyuzhaninov & Bethge,
// NeurIPS 2019): the boundary-following loop every norm shares, the
// trust-region subproblem it hands to a per-norm solver, and the 1-D root
// finder the solvers are built on.
//
// Each step linearises the decision boundary at the current point x and asks
// the norm's solver for the step δ that
//   minimises ‖x + δ − x0‖_p   subject to   b·δ = c   (land on the linearised boundary)
//                                            0 ≤ x + δ ≤ 1   (the image box)
//                                            ‖δ‖₂ ≤ r   (trust region)
// where b is the (momentum-averaged) margin gradient and c the margin change
// wanted. All of it is batched: one row per sample.
#pragma once

#include <neuroreg/sdk.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace neuroreg::brendel_bethge {

/// One step's subproblem, one row per sample, in float64.
struct Subproblem {
  torch::Tensor dx;  ///< N×D: original minus current point, so ‖dx − δ‖_p is the new distance
  torch::Tensor b;   ///< N×D: normal of the linearised boundary
  torch::Tensor lo;  ///< N×D: −x, the box as a lower bound on δ
  torch::Tensor hi;  ///< N×D: 1 − x, the box as an upper bound on δ
  torch::Tensor c;   ///< N: the change of margin b·δ must make
  torch::Tensor r;   ///< N: trust-region radius (L2, for every norm)
};

/// A norm's solver: the step δ (N×D) for a subproblem.
using Solver = std::function<torch::Tensor(const Subproblem&)>;

/// A nondecreasing piecewise-linear function per row, f(λ) = f_min +
/// Σ_k slopes_k · max(0, λ − breakpoints_k), given twice: `at` evaluates f and
/// its slope at one λ per row (cheap, for Newton), the breakpoints (N×M) let
/// stubborn rows be solved exactly by sorting.
struct PiecewiseLinear {
  std::function<std::pair<torch::Tensor, torch::Tensor>(const torch::Tensor&)> at;
  torch::Tensor breakpoints;
  torch::Tensor slopes;
  torch::Tensor f_min;  ///< N: f left of every breakpoint
  torch::Tensor f_max;  ///< N: f right of every breakpoint
};

/// The λ with f(λ) = target per row (target within [f_min, f_max]), to within
/// `tol` (N): safeguarded Newton from `start`, then an exact solve for the rows
/// it leaves open.
torch::Tensor piecewise_linear_root(const PiecewiseLinear& f, const torch::Tensor& target,
                                    const torch::Tensor& start, const torch::Tensor& tol);

/// The tolerance the solvers use for b·δ = c, given the range [f_min, f_max]
/// of b·δ over the box.
torch::Tensor root_tolerance(const torch::Tensor& c, const torch::Tensor& f_min,
                             const torch::Tensor& f_max);

/// δ = clip(a + λb, lo, hi) with λ chosen so that b·δ = c, per row. With a = 0
/// that is the smallest L2 step onto the linearised boundary inside the box;
/// with a = s·dx a point of the L2 trust-region path. `reachable` is false
/// where no δ in the box reaches c (δ is then the box corner nearest to it).
/// `warm` (optional) is a first guess for λ, such as a neighbouring solve's.
struct LineStep {
  torch::Tensor delta;
  torch::Tensor reachable;
  torch::Tensor lambda;
};
LineStep clipped_line_step(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& lo,
                           const torch::Tensor& hi, const torch::Tensor& c,
                           const torch::Tensor& warm = {});

/// Whether each row of `delta` lies in the trust region (N bool).
torch::Tensor within(const torch::Tensor& delta, const torch::Tensor& r);

/// For samples whose boundary the trust region cannot reach: the largest step
/// towards it, r along ±b, clipped to the box (norm-independent, as in Foolbox).
torch::Tensor towards_boundary(const Subproblem& p);

/// Registers the family's attack for one norm as `name`, with the options
/// the whole family shares (Foolbox 3's defaults) and the description
/// "Brendel-Bethge <norm_title>: follows the decision boundary …".
void register_attack(sdk::Registrar& registrar, const std::string& name,
                     const std::string& norm_title, sdk::Norm norm, Solver solver);

void register_l2(sdk::Registrar& registrar);
void register_linf(sdk::Registrar& registrar);
void register_l1(sdk::Registrar& registrar);

}  // namespace neuroreg::brendel_bethge
