// `square_linf`, `square_l2`: the Square Attack of Andriushchenko, Croce,
// Flammarion & Hein, "Square Attack: a query-efficient black-box adversarial
// attack via random search" (ECCV 2020). Fixed ε, logits only.
//
// Random search on the margin loss (sdk::margin): each iteration redraws the
// perturbation inside one random square window per sample and keeps the
// proposal where the margin drops. Square windows suit image models, whose
// first layers respond to local patterns. The window covers a fraction p of
// the image, halved on a fixed schedule so the search goes from coarse to fine.
//   L∞: the window is set to ±ε per channel around the original; the start is
//       vertical stripes of ±ε.
//   L2: the window gets a pseudo-Gaussian bump (two nested-rectangle lobes of
//       opposite sign) plus its old content, and takes over the L2 mass of a
//       second random window, which is zeroed; the whole perturbation is then
//       rescaled to ‖δ‖₂ = ε. The start is a grid of such bumps.
// Samples that are adversarial stop changing and cost no more queries.
//
// Defaults are AutoAttack's: n_queries 5000 (the start counts as one) and
// p_init 0.8 for both norms. The schedule for p is the paper's, as its
// authors' reference code (and AutoAttack) writes it: halved after 10, 50, 200,
// 500, 1000, 2000, 4000, 6000 and 8000 of 10000 iterations, rescaled to
// n_queries. Per-channel window norms in the
// L2 update follow the reference code; unlike AutoAttack (which shares one
// window position across the batch) every sample draws its own windows.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "black_box.h"

namespace {

namespace sdk = neuroreg::sdk;
using sdk::Norm;
using sdk::Options;
using torch::Tensor;

/// Iterations (of 10000) after which p halves, from the authors' code.
constexpr int kHalvings[] = {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000};

/// Random ±1 of the given shape.
Tensor random_signs(at::IntArrayRef shape, const torch::TensorOptions& options) {
  return torch::randint(0, 2, shape, options) * 2 - 1;
}

/// Nested rectangles around the centre of a rows×cols patch, the k-th one
/// k pixels larger on every side and weighted 1/(k+1)²: a cheap peaked bump,
/// of unit L2 norm.
Tensor centred_rectangles(int64_t rows, int64_t cols, const torch::TensorOptions& options) {
  Tensor bump = torch::zeros({rows, cols}, options);
  if (rows == 0) return bump;
  const int64_t r = rows / 2, c = cols / 2;
  for (int64_t k = 0; k <= std::max(r, c); ++k) {
    bump.slice(0, std::max<int64_t>(r - k, 0), std::min(r + k + 1, rows))
        .slice(1, std::max<int64_t>(c - k, 0), std::min(c + k + 1, cols)) +=
        1.0 / static_cast<double>((k + 1) * (k + 1));
  }
  return bump / bump.norm();
}

/// The s×s pseudo-Gaussian window of the L2 attack: a positive bump on top, a
/// negative one below, unit L2 norm; transposed when `transpose`.
Tensor pseudo_gaussian(int64_t s, bool transpose, const torch::TensorOptions& options) {
  Tensor window = torch::cat(
      {centred_rectangles(s / 2, s, options), -centred_rectangles(s - s / 2, s, options)});
  window /= window.norm();
  return transpose ? window.t().contiguous() : window;
}

/// One s×s window per sample at a uniformly random position: its mask
/// (n×1×H×W) and, for each pixel, its offset inside the window (row·s + col).
struct Windows {
  Tensor mask;
  Tensor offset;
};

Windows random_windows(const Tensor& like, int64_t s) {
  const int64_t n = like.size(0), h = like.size(2), w = like.size(3);
  const torch::TensorOptions index = like.options().dtype(torch::kLong);
  const Tensor top = torch::randint(0, h - s + 1, {n, 1, 1, 1}, index);
  const Tensor left = torch::randint(0, w - s + 1, {n, 1, 1, 1}, index);
  const Tensor rows = torch::arange(h, index).view({1, 1, h, 1}) - top;
  const Tensor cols = torch::arange(w, index).view({1, 1, 1, w}) - left;
  const Tensor mask = (rows >= 0) & (rows < s) & (cols >= 0) & (cols < s);
  return {mask, rows.clamp(0, s - 1) * s + cols.clamp(0, s - 1)};
}

/// Pseudo-Gaussian windows by side, then transposed, flattened into one row:
/// the side only changes with the schedule, so each is built once per run.
using Bumps = std::map<int64_t, Tensor>;

/// Per-sample, per-channel L2 norms over the pixels (n×C×1×1).
Tensor channel_norms(const Tensor& t) { return t.square().sum({2, 3}, true).sqrt(); }

class SquareAttack : public sdk::Attack {
 public:
  SquareAttack(std::string name, Norm norm, const Options& options)
      : name_(std::move(name)),
        norm_(norm),
        n_queries_(options.get_int("n_queries")),
        p_init_(options.get_float("p_init")) {}

  sdk::AttackTraits traits() const override {
    return {norm_, sdk::AttackKind::kFixedEpsilon, sdk::ModelAccess::kScores,
            /*randomized=*/true};
  }

  Tensor run(sdk::ModelView& model, const sdk::AttackRequest& request) override {
    torch::NoGradGuard no_grad;
    const Tensor& x = request.images;
    const Tensor& y = request.labels;
    if (!request.epsilons.defined() || request.epsilons.numel() != x.size(0) || x.dim() != 4) {
      throw std::invalid_argument(name_ + ": needs N×C×H×W images and one ε per sample");
    }
    const Tensor eps = request.epsilons.to(x.options());

    Tensor best = norm_ == Norm::kLinf ? linf_start(x, eps) : l2_start(x, eps);
    Tensor margins = sdk::margin(model.logits(best), y);
    Bumps bumps;
    for (int64_t i = 0; i + 1 < n_queries_; ++i) {
      const Tensor open = (margins >= 0).nonzero().flatten();
      if (open.numel() == 0) break;
      const bool all_open = open.numel() == x.size(0);
      auto pick = [&](const Tensor& t) { return all_open ? t : t.index_select(0, open); };
      const Tensor xo = pick(x);
      const Tensor current = pick(best);
      const double p = fraction(i);
      const Tensor proposal = norm_ == Norm::kLinf ? linf_proposal(xo, current, pick(eps), p)
                                                   : l2_proposal(xo, current, pick(eps), p, bumps);
      const Tensor proposal_margins = sdk::margin(model.logits(proposal), pick(y));
      const Tensor open_margins = pick(margins);
      const Tensor better = proposal_margins < open_margins;
      best.index_copy_(0, open, torch::where(sdk::expand_like(better, current), proposal, current));
      margins.index_copy_(0, open, torch::minimum(proposal_margins, open_margins));
    }
    return torch::where(sdk::expand_like(margins < 0, x), best, x);
  }

 private:
  /// The fraction of pixels a window covers at iteration `i`.
  double fraction(int64_t i) const {
    const double scaled = static_cast<double>(i) * 10000.0 / static_cast<double>(n_queries_);
    double p = p_init_;
    for (int threshold : kHalvings) {
      if (scaled > threshold) p /= 2;
    }
    return p;
  }

  /// Window side for fraction p of an H×W image, at least `smallest`.
  static int64_t side(double p, const Tensor& x, int64_t smallest) {
    const int64_t h = x.size(2), w = x.size(3);
    const auto s = static_cast<int64_t>(std::lround(std::sqrt(p * static_cast<double>(h * w))));
    return std::min({std::max(s, smallest), h, w});
  }

  /// Vertical stripes of ±ε, one sign per column and channel.
  static Tensor linf_start(const Tensor& x, const Tensor& eps) {
    const Tensor stripes = random_signs({x.size(0), x.size(1), 1, x.size(3)}, x.options());
    return (x + stripes * sdk::expand_like(eps, x)).clamp(0, 1);
  }

  /// One random window per sample set to x ± ε, one sign per channel.
  Tensor linf_proposal(const Tensor& x, const Tensor& current, const Tensor& eps, double p) const {
    const Windows window = random_windows(x, side(p, x, 1));
    const Tensor e = sdk::expand_like(eps, x);
    Tensor signs = random_signs({x.size(0), x.size(1), 1, 1}, x.options());
    Tensor proposal = torch::where(window.mask, (x + signs * e).clamp(0, 1), current);
    // A window that already holds these values would waste a query: the
    // opposite signs change it (unless clipping undoes that too).
    const Tensor unchanged = (proposal - current).abs().flatten(1).amax(1) < 1e-7;
    signs = torch::where(sdk::expand_like(unchanged, signs), -signs, signs);
    proposal = torch::where(window.mask, (x + signs * e).clamp(0, 1), current);
    return proposal;
  }

  /// A grid of pseudo-Gaussian bumps of side H/5, random sign per channel,
  /// rescaled to ‖δ‖₂ = ε.
  static Tensor l2_start(const Tensor& x, const Tensor& eps) {
    const int64_t h = x.size(2), w = x.size(3);
    const int64_t s = std::max<int64_t>(h / 5, 1);
    const int64_t first = std::max<int64_t>((h - 5 * s) / 2, 0);
    Tensor delta = torch::zeros_like(x);
    for (int64_t top = first; top + s <= h; top += s) {
      for (int64_t left = first; left + s <= w; left += s) {
        const bool transpose = torch::rand({1}).item<double>() < 0.5;
        delta.slice(2, top, top + s)
            .slice(3, left, left + s)
            .add_(pseudo_gaussian(s, transpose, x.options()) *
                  random_signs({x.size(0), x.size(1), 1, 1}, x.options()));
      }
    }
    return (x + sdk::normalized(delta, Norm::kL2) * sdk::expand_like(eps, x)).clamp(0, 1);
  }

  /// A new bump in one random window, which also takes over the L2 mass of a
  /// second random window (zeroed) and whatever budget is left below ε.
  Tensor l2_proposal(const Tensor& x, const Tensor& current, const Tensor& eps, double p,
                     Bumps& bumps) const {
    const int64_t n = x.size(0), channels = x.size(1);
    int64_t s = side(p, x, 3);
    if (s % 2 == 0 && s < std::min(x.size(2), x.size(3))) ++s;  // odd, as the authors' code
    const Windows target = random_windows(x, s);
    const Windows emptied = random_windows(x, s);
    Tensor delta = current - x;

    const Tensor in_target = target.mask.to(x.dtype());
    const Tensor in_either = (target.mask | emptied.mask).to(x.dtype());
    const Tensor spare = (eps.square() - sdk::lp_norms(delta, Norm::kL2).square()).clamp_min(0) /
                         static_cast<double>(channels);
    // Each sample's bump, transposed or not, placed at its window.
    Tensor& both = bumps[s];
    if (!both.defined()) {
      both = torch::cat({pseudo_gaussian(s, false, x.options()).flatten(),
                         pseudo_gaussian(s, true, x.options()).flatten()});
    }
    const Tensor transpose = torch::randint(0, 2, {n, 1, 1, 1}, target.offset.options());
    const Tensor bump = both.take(transpose * s * s + target.offset) * in_target;

    Tensor fresh = bump * random_signs({n, channels, 1, 1}, x.options()) +
                   delta * in_target / (channel_norms(delta * in_target) + 1e-12);
    fresh = fresh / (channel_norms(fresh) + 1e-12) *
            (sdk::expand_like(spare, x) + channel_norms(delta * in_either).square()).sqrt();
    delta = torch::where(emptied.mask, torch::zeros_like(delta), delta);
    delta = torch::where(target.mask, fresh, delta);
    return (x + sdk::normalized(delta, Norm::kL2) * sdk::expand_like(eps, x)).clamp(0, 1);
  }

  std::string name_;
  Norm norm_;
  int64_t n_queries_;
  double p_init_;
};

}  // namespace

namespace neuroreg::black_box {

void register_square(sdk::Registrar& registrar) {
  sdk::OptionList options;
  options.add_int("n_queries", 5000, "model queries per sample, the start included (AutoAttack)")
      .at_least(1);
  options
      .add_float("p_init", 0.8,
                 "initial fraction of pixels a square covers, halved on the paper's schedule "
                 "(AutoAttack)")
      .above(0)
      .at_most(1);
  register_norm_variants<SquareAttack>(
      registrar, options,
      {{"square_linf", Norm::kLinf,
        "Square Attack (Andriushchenko et al. 2020): L∞ random search over squares, logits only"},
       {"square_l2", Norm::kL2,
        "Square Attack (Andriushchenko et al. 2020): L2 random search over squares, logits only"}});
}

}  // namespace neuroreg::black_box
