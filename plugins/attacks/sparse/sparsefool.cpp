// SparseFool of Modas, Moosavi-Dezfooli & Frossard, "SparseFool: a few
// pixels make a big difference" (CVPR 2019): an L0 attack built from L1
// geometry.
//
// Near a sample the decision boundary is close to a hyperplane, and the
// smallest L1 step onto a hyperplane changes the fewest coordinates. Each
// iteration therefore (1) runs DeepFool (L2) from the current point to find a
// boundary point x_B and the boundary's normal w there, then (2) solves the
// linearised problem min ‖x − x_i‖₁ s.t. w·(x − p) = 0 over the [0,1] box, with
// the plane pushed out to p = x_i + λ (x_B − x_i) so that it overshoots the
// curved boundary. The box-constrained L1 solution is greedy: move the
// coordinates in order of |w_j|, each as far as the box allows, until the
// plane is crossed. Coordinates it does not move keep their exact values, so
// the host's L0 count is the number of coordinates moved. Iterations repeat
// until the label flips or max_iter is reached.
//
// Defaults: lambda 3, max_iter 20 and DeepFool's overshoot 0.02 and 50
// iterations come from the paper and its official code; candidates 10 (the
// classes DeepFool linearises against, the top ones at the start) is Foolbox
// 3's DeepFool default (the official code uses all classes: set candidates to
// the number of classes or more for that).
#include <torch/autograd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "sparse.h"

namespace neuroreg::attacks {
namespace {

using sdk::Norm;
using torch::Tensor;

struct Boundary {
  Tensor perturbation;  // r: x + r lies just on the clean side of the boundary
  Tensor normal;        // unit L2 normal of the boundary at x + r, pointing to the other side
};

class SparseFool : public sdk::Attack {
 public:
  explicit SparseFool(const sdk::Options& options)
      : lambda_(options.get_float("lambda")),
        max_iter_(options.get_int("max_iter")),
        overshoot_(options.get_float("overshoot")),
        deepfool_steps_(options.get_int("deepfool_max_iter")),
        candidates_(options.get_int("candidates")) {}

  sdk::AttackTraits traits() const override {
    return {Norm::kL0, sdk::AttackKind::kMinimization, sdk::ModelAccess::kGradients, false};
  }

  Tensor run(sdk::ModelView& model, const sdk::AttackRequest& request) override {
    torch::NoGradGuard no_grad;  // only the DeepFool gradients need a graph
    const Tensor x = request.images.detach();
    const Tensor& y = request.labels;
    if (x.size(0) == 0) return x.clone();  // no model calls on an empty batch
    Tensor current = x.clone();
    for (int64_t it = 0; it < max_iter_; ++it) {
      // Only samples not yet fooled take another step.
      const Tensor open = model.labels(current).eq(y).nonzero().flatten();
      if (open.numel() == 0) break;
      const Tensor xi = current.index_select(0, open);
      const Boundary boundary = deepfool(model, xi, y.index_select(0, open));
      const Tensor plane_point = xi + lambda_ * boundary.perturbation;
      current.index_copy_(0, open, linear_solver(xi, boundary.normal, plane_point));
    }
    const Tensor fooled = model.labels(current).ne(y);
    return torch::where(sdk::expand_like(fooled, x), current, x);
  }

 private:
  static constexpr const char* kName = "sparsefool";

  // Batched DeepFool (L2) from x0: per sample, step to the nearest linearised
  // boundary among the candidate classes until the overshot point is
  // misclassified, then take the boundary normal at the point reached.
  Boundary deepfool(sdk::ModelView& model, const Tensor& x0, const Tensor& y) const {
    torch::AutoGradMode enable_grad(true);
    const Tensor y_col = y.reshape({-1, 1});
    const double inf = std::numeric_limits<double>::infinity();
    // The classes each sample is linearised against: the strongest other classes at x0.
    const Tensor start_logits = model.logits(x0);
    const int64_t k = std::min<int64_t>(candidates_, start_logits.size(1)) - 1;
    const Tensor others = std::get<1>(start_logits.scatter(1, y_col, -inf).topk(k, 1));

    Tensor r = torch::zeros_like(x0);
    Tensor active = torch::ones({x0.size(0)}, y.options().dtype(torch::kBool));
    Tensor target = others.select(1, 0);  // the class across the boundary
    for (int64_t step = 0; step < deepfool_steps_; ++step) {
      const Tensor input = (x0 + (1 + overshoot_) * r).clamp(0, 1).detach().requires_grad_(true);
      const Tensor logits = model.logits_with_grad(input);
      const Tensor detached = logits.detach();
      target = torch::where(active, detached.scatter(1, y_col, -inf).argmax(1), target);
      active = active & detached.argmax(1).eq(y);
      if (!active.any().item<bool>()) break;

      const Tensor own = logits.gather(1, y_col).squeeze(1);
      Tensor best_distance = torch::full({x0.size(0)}, inf, x0.options());
      Tensor best_w = torch::zeros_like(x0);
      for (int64_t c = 0; c < k; ++c) {
        // f < 0 while the sample is classified correctly; w is the gradient of f.
        const Tensor f = logits.gather(1, others.narrow(1, c, 1)).squeeze(1) - own;
        const Tensor w =
            torch::autograd::grad({f.sum()}, {input}, {}, /*retain_graph=*/c + 1 < k)[0];
        const Tensor distance = f.detach().abs() / sdk::lp_norms(w, Norm::kL2).clamp_min(1e-12);
        const Tensor closer = distance < best_distance;
        best_distance = torch::where(closer, distance, best_distance);
        best_w = torch::where(sdk::expand_like(closer, x0), w, best_w);
      }
      // The official code's floor of 1e-4 keeps every step from vanishing.
      const Tensor step_r =
          sdk::normalized(best_w, Norm::kL2) * sdk::expand_like(best_distance.clamp_min(1e-4), x0);
      r = r + torch::where(sdk::expand_like(active, x0), step_r, torch::zeros_like(r));
    }
    // The normal of the boundary towards `target`, at the boundary point.
    const Tensor input = (x0 + r).clamp(0, 1).detach().requires_grad_(true);
    const Tensor logits = model.logits_with_grad(input);
    const Tensor f = logits.gather(1, target.reshape({-1, 1})) - logits.gather(1, y_col);
    const Tensor normal = torch::autograd::grad({f.sum()}, {input})[0];
    return {r, sdk::normalized(normal, Norm::kL2)};
  }

  // Greedy L1 step across the plane w·(x − p) = 0 within the [0,1] box: the
  // coordinates with the largest |w_j| move to the box edge one after another,
  // the last one only as far as needed to cross by a margin of 1e-3 (the
  // official code's β). Vectorised: a coordinate's move is the remaining gap
  // after all larger-|w| coordinates, divided by |w_j|, capped by its room.
  static Tensor linear_solver(const Tensor& xi, const Tensor& normal, const Tensor& plane_point) {
    const Tensor x = xi.flatten(1);
    const Tensor w = normal.flatten(1);
    const Tensor f0 = (w * (x - plane_point.flatten(1))).sum(1, /*keepdim=*/true);
    // Move w·x against the sign of f0; on the plane already, towards +w (the adversarial side).
    const Tensor direction =
        torch::where(f0 > 0, -torch::ones_like(f0), torch::ones_like(f0)) * w.sign();
    const Tensor room =
        torch::where(direction > 0, 1 - x, torch::where(direction < 0, x, torch::zeros_like(x)));
    const Tensor gap = f0.abs() + 1e-3;

    const Tensor order = std::get<1>(w.abs().sort(1, /*descending=*/true));
    const Tensor weight = w.abs().gather(1, order);
    const Tensor room_sorted = room.gather(1, order);
    const Tensor capacity = weight * room_sorted;  // how much each coordinate can move w·x
    const Tensor before = capacity.cumsum(1) - capacity;
    const Tensor move_sorted =
        torch::minimum(((gap - before) / weight.clamp_min(1e-30)).clamp_min(0), room_sorted);
    const Tensor move = torch::zeros_like(x).scatter(1, order, move_sorted);
    // Unmoved coordinates keep their exact values (L0 counts any change).
    const Tensor moved = torch::where(move > 0, (x + direction * move).clamp(0, 1), x);
    return moved.view_as(xi);
  }

  double lambda_;
  int64_t max_iter_;
  double overshoot_;
  int64_t deepfool_steps_;
  int64_t candidates_;
};

}  // namespace

void register_sparsefool(sdk::Registrar& registrar) {
  sdk::OptionList options;
  options
      .add_float("lambda", 3.0,
                 "how far past DeepFool's boundary point the linearised plane is pushed "
                 "(paper default)")
      .at_least(1);
  options.add_int("max_iter", 20, "SparseFool iterations (paper / official code default)")
      .at_least(1);
  options
      .add_float("overshoot", 0.02,
                 "DeepFool's overshoot when checking the label (paper / official code "
                 "default)")
      .at_least(0);
  options
      .add_int("deepfool_max_iter", 50,
               "DeepFool iterations per SparseFool iteration (official code default)")
      .at_least(1);
  options
      .add_int("candidates", 10,
               "classes DeepFool linearises against: the true one and the strongest others "
               "(Foolbox 3 DeepFool default; the official code uses all)")
      .at_least(2);
  registrar.add_attack({"sparsefool",
                        "SparseFool (Modas et al. 2019): L0 via DeepFool and a box-constrained L1 "
                        "linear solver",
                        options.specs()},
                       [](const sdk::Options& opts) { return std::make_shared<SparseFool>(opts); });
}

}  // namespace neuroreg::attacks
