#include "neuroreg/sdk/attack_math.h"

#include <torch/torch.h>

#include <stdexcept>

namespace neuroreg::sdk {

torch::Tensor lp_norms(const torch::Tensor& delta, Norm norm) {
  const torch::Tensor flat = delta.flatten(1);
  switch (norm) {
    case Norm::kL0:
      return flat.ne(0).sum(1).to(delta.scalar_type());
    case Norm::kL1:
      return flat.abs().sum(1);
    case Norm::kL2:
      return flat.pow(2).sum(1).sqrt();
    case Norm::kLinf:
      return flat.abs().amax(1);
  }
  throw std::invalid_argument("lp_norms: unknown norm");
}

torch::Tensor expand_like(const torch::Tensor& per_sample, const torch::Tensor& like) {
  std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
  shape[0] = per_sample.size(0);
  return per_sample.reshape(shape);
}

torch::Tensor normalized(const torch::Tensor& x, Norm norm) {
  if (norm == Norm::kL0) throw std::invalid_argument("normalized: L0 has no scale");
  const torch::Tensor n = lp_norms(x, norm);
  return x / expand_like(torch::where(n > 0, n, torch::ones_like(n)), x);
}

namespace {

// Duchi et al. (2008), Fig. 1, on |v|, one row per sample.
torch::Tensor project_l1(const torch::Tensor& delta, const torch::Tensor& radius) {
  const torch::Tensor v = delta.flatten(1);
  const torch::Tensor a = v.abs();
  const torch::Tensor r = radius.to(v.dtype()).reshape({-1, 1});
  const torch::Tensor u = std::get<0>(a.sort(1, /*descending=*/true));
  const torch::Tensor cumulative = u.cumsum(1) - r;
  const torch::Tensor j = torch::arange(1, v.size(1) + 1, v.options());
  // rho: the last j with u_j > (cumsum_j - r) / j; the condition holds for a prefix.
  const torch::Tensor rho = (u * j > cumulative).sum(1, /*keepdim=*/true).clamp_min(1);
  const torch::Tensor theta = cumulative.gather(1, rho - 1) / rho.to(v.dtype());
  torch::Tensor projected = v.sign() * (a - theta).clamp_min(0);
  const torch::Tensor inside = (a.sum(1, /*keepdim=*/true) <= r);
  return torch::where(inside, v, projected).view_as(delta);
}

torch::Tensor keep_largest(const torch::Tensor& delta, const torch::Tensor& count) {
  const torch::Tensor v = delta.flatten(1);
  const torch::Tensor order = v.abs().argsort(1, /*descending=*/true);
  const torch::Tensor rank = torch::empty_like(order).scatter_(
      1, order, torch::arange(v.size(1), order.options()).expand_as(order).contiguous());
  const torch::Tensor keep = rank < count.floor().to(torch::kLong).reshape({-1, 1});
  return (v * keep).view_as(delta);
}

}  // namespace

torch::Tensor project_to_ball(const torch::Tensor& delta, Norm norm, const torch::Tensor& radius) {
  switch (norm) {
    case Norm::kL0:
      return keep_largest(delta, radius);
    case Norm::kL1:
      return project_l1(delta, radius);
    case Norm::kL2: {
      const torch::Tensor n = lp_norms(delta, norm);
      const torch::Tensor factor = torch::clamp_max(radius.to(n.dtype()) / n.clamp_min(1e-12), 1.0);
      return delta * expand_like(factor, delta);
    }
    case Norm::kLinf: {
      const torch::Tensor r = expand_like(radius.to(delta.dtype()), delta);
      return torch::max(torch::min(delta, r), -r);
    }
  }
  throw std::invalid_argument("project_to_ball: unknown norm");
}

torch::Tensor random_in_ball(const torch::Tensor& like, Norm norm, const torch::Tensor& radius) {
  const torch::Tensor r = expand_like(radius.to(like.dtype()), like);
  const int64_t n = like.size(0);
  const int64_t d = like[0].numel();
  switch (norm) {
    case Norm::kLinf:
      return (torch::rand_like(like) * 2 - 1) * r;
    case Norm::kL2: {
      // A Gaussian direction, and a radius distributed as u^(1/d).
      const torch::Tensor direction = normalized(torch::randn_like(like), Norm::kL2);
      const torch::Tensor u = torch::rand({n}, like.options()).pow(1.0 / static_cast<double>(d));
      return direction * expand_like(u, like) * r;
    }
    case Norm::kL1: {
      // Uniform in the L1 ball: d+1 exponentials normalised to sum 1, signs random
      // (the last coordinate is the slack).
      const torch::Tensor e = -torch::rand({n, d + 1}, like.options()).clamp_min(1e-12).log();
      const torch::Tensor point = (e / e.sum(1, true)).slice(1, 0, d).view_as(like);
      const torch::Tensor sign = torch::randint(0, 2, like.sizes(), like.options()) * 2 - 1;
      return point * sign * r;
    }
    case Norm::kL0: {
      const torch::Tensor sign = torch::randint(0, 2, like.sizes(), like.options()) * 2 - 1;
      return keep_largest(sign * torch::rand_like(like), radius).sign();
    }
  }
  throw std::invalid_argument("random_in_ball: unknown norm");
}

StartingPoints adversarial_noise(ModelView& model, const torch::Tensor& images,
                                 const torch::Tensor& labels, int tries) {
  StartingPoints start{images.clone(), torch::zeros({images.size(0)}, labels.options().dtype(
                                                                          torch::kBool))};
  for (int t = 0; t < tries; ++t) {
    const torch::Tensor open = start.found.logical_not().nonzero().flatten();
    if (open.numel() == 0) break;
    const torch::Tensor noise = torch::rand_like(images.index_select(0, open));
    const torch::Tensor hit = model.labels(noise).ne(labels.index_select(0, open));
    const torch::Tensor rows = open.masked_select(hit);
    start.images.index_copy_(0, rows, noise.index_select(0, hit.nonzero().flatten()));
    start.found.index_fill_(0, rows, true);
  }
  return start;
}

torch::Tensor bisect_to_boundary(ModelView& model, const torch::Tensor& originals,
                                 const torch::Tensor& far, const torch::Tensor& labels,
                                 int steps) {
  const torch::Tensor valid = model.labels(far).ne(labels);
  // Blend factors: 0 is the original, 1 the far point; hi stays adversarial.
  torch::Tensor lo = torch::zeros({originals.size(0)}, originals.options());
  torch::Tensor hi = torch::ones({originals.size(0)}, originals.options());
  auto blend = [&](const torch::Tensor& t) {
    const torch::Tensor w = expand_like(t, originals);
    return originals + w * (far - originals);
  };
  for (int s = 0; s < steps; ++s) {
    const torch::Tensor mid = (lo + hi) / 2;
    const torch::Tensor adversarial = model.labels(blend(mid)).ne(labels);
    hi = torch::where(adversarial, mid, hi);
    lo = torch::where(adversarial, lo, mid);
  }
  return torch::where(expand_like(valid, originals), blend(hi), far);
}

torch::Tensor margin(const torch::Tensor& logits, const torch::Tensor& labels) {
  const torch::Tensor own = logits.gather(1, labels.reshape({-1, 1})).squeeze(1);
  const torch::Tensor others =
      logits.scatter(1, labels.reshape({-1, 1}), -std::numeric_limits<float>::infinity());
  return own - others.amax(1);
}

}  // namespace neuroreg::sdk
