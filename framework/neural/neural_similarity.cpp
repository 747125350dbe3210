#include "neural/neural_similarity.h"

#include <neuroreg/sdk/target.h>
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace neuroreg {
namespace {

void check_oracle(const torch::Tensor& oracle, const char* what) {
  if (oracle.dim() != 3 || oracle.size(0) < 2 || oracle.size(1) < 2) {
    throw std::invalid_argument(std::string(what) +
                                ": oracle responses must be images × repeats × neurons with at "
                                "least 2 images and 2 repeats, got " +
                                c10::str(oracle.sizes()));
  }
}

void check_weights(const torch::Tensor& weights, int64_t neurons, const char* what) {
  if (weights.dim() != 1 || weights.size(0) != neurons) {
    throw std::invalid_argument(std::string(what) + ": expected " + std::to_string(neurons) +
                                " weights (one per neuron), got " + c10::str(weights.sizes()));
  }
}

// Unit trial embeddings I×T×D of the oracle, every trial an image of Eq. 2.
torch::Tensor trial_embeddings(const torch::Tensor& oracle, const torch::Tensor& weights) {
  const int64_t images = oracle.size(0), repeats = oracle.size(1);
  return data_embeddings(oracle.reshape({images * repeats, -1}), weights)
      .view({images, repeats, -1});
}

}  // namespace

torch::Tensor snr_weights(const torch::Tensor& oracle) {
  check_oracle(oracle, "snr_weights");
  const torch::Tensor r = oracle.to(torch::kDouble);
  const torch::Tensor signal = r.mean(1).var(0, /*unbiased=*/true);  // σ², A
  const torch::Tensor noise = r.var(1, /*unbiased=*/true).mean(0);   // η², A
  torch::Tensor w = (signal / noise).sqrt();
  const torch::Tensor noiseless = noise <= 0;
  if (noiseless.any().item<bool>()) {
    const torch::Tensor finite = w.masked_select(noiseless.logical_not());
    const double largest = finite.numel() > 0 ? finite.max().item<double>() : 1.0;
    w = torch::where(
        noiseless, torch::where(signal > 0, torch::full_like(w, largest), torch::zeros_like(w)), w);
  }
  return w.to(oracle.scalar_type());
}

torch::Tensor data_embeddings(const torch::Tensor& responses, const torch::Tensor& weights) {
  if (responses.dim() != 2) {
    throw std::invalid_argument("data_embeddings: responses must be stimuli × neurons, got " +
                                c10::str(responses.sizes()));
  }
  check_weights(weights, responses.size(1), "data_embeddings");
  return sdk::unit_embeddings(responses * weights.to(responses.dtype()));
}

torch::Tensor oracle_similarity(const torch::Tensor& oracle, const torch::Tensor& weights) {
  check_oracle(oracle, "oracle_similarity");
  check_weights(weights, oracle.size(2), "oracle_similarity");
  const int64_t repeats = oracle.size(1);
  // With u_i = Σ_t e_it, the sum over all trial pairs of images i and j is
  // u_i·u_j; for i = j the T self-pairs (each 1) are left out.
  const torch::Tensor u = trial_embeddings(oracle, weights).sum(1).to(torch::kDouble);
  torch::Tensor sums = u.matmul(u.t());
  const double t = static_cast<double>(repeats);
  torch::Tensor s = sums / (t * t);
  s.diagonal().copy_((sums.diagonal() - t) / (t * (t - 1)));
  return s.to(torch::kFloat);
}

double leave_one_out_oracle_r(const torch::Tensor& oracle, const torch::Tensor& weights,
                              const torch::Tensor& similarity) {
  check_oracle(oracle, "leave_one_out_oracle_r");
  check_weights(weights, oracle.size(2), "leave_one_out_oracle_r");
  const int64_t images = oracle.size(0), repeats = oracle.size(1), trials = images * repeats;
  const torch::Tensor e = trial_embeddings(oracle, weights).to(torch::kDouble);  // I×T×D
  // v_it = Σ_{u≠t} e_iu; S_oracle without trials t and t' is v_it·v_jt'/(T−1)².
  const torch::Tensor v = (e.sum(1, /*keepdim=*/true) - e).reshape({trials, -1});
  const double scale = 1.0 / static_cast<double>((repeats - 1) * (repeats - 1));
  const torch::Tensor reference = v.matmul(v.t()) * scale;
  const torch::Tensor image = torch::arange(images).repeat_interleave(repeats);
  torch::Tensor values;
  if (similarity.dim() == 2 && similarity.size(0) == trials && similarity.size(1) == trials) {
    values = similarity.to(torch::kDouble);
  } else if (similarity.dim() == 2 && similarity.size(0) == images &&
             similarity.size(1) == images) {
    values = similarity.to(torch::kDouble).index({image.unsqueeze(1), image.unsqueeze(0)});
  } else {
    throw std::invalid_argument("leave_one_out_oracle_r: similarity must be " +
                                std::to_string(trials) + "² (trials) or " + std::to_string(images) +
                                "² (images), got " + c10::str(similarity.sizes()));
  }
  const torch::Tensor different = image.unsqueeze(1) != image.unsqueeze(0);
  torch::Tensor x = values.masked_select(different), y = reference.masked_select(different);
  x = x - x.mean();
  y = y - y.mean();
  return (x.dot(y) / (x.norm() * y.norm())).item<double>();
}

torch::Tensor scan_fluctuation(const std::vector<torch::Tensor>& oracle_similarities) {
  if (oracle_similarities.size() < 2) {
    throw std::invalid_argument("scan_fluctuation needs at least 2 scans");
  }
  const torch::Tensor s = torch::stack(oracle_similarities);  // H×I×I
  const int64_t images = s.size(1);
  const torch::Tensor upper = torch::ones({images, images}, torch::kBool).triu(1);
  const torch::Tensor delta = s - s.mean(0, /*keepdim=*/true);
  return delta.masked_select(upper.unsqueeze(0)).view({s.size(0), -1});
}

torch::Tensor repeat_fluctuation(const torch::Tensor& oracle, const torch::Tensor& weights) {
  check_oracle(oracle, "repeat_fluctuation");
  check_weights(weights, oracle.size(2), "repeat_fluctuation");
  const torch::Tensor e = trial_embeddings(oracle, weights);  // I×T×D
  const torch::Tensor within = e.matmul(e.transpose(1, 2));   // I×T×T
  const int64_t repeats = oracle.size(1);
  const torch::Tensor upper = torch::ones({repeats, repeats}, torch::kBool).triu(1);
  const torch::Tensor pairs = within.masked_select(upper.unsqueeze(0)).view({oracle.size(0), -1});
  const torch::Tensor diagonal = oracle_similarity(oracle, weights).diagonal().unsqueeze(1);
  return (pairs - diagonal).flatten();
}

double offdiagonal_correlation(const torch::Tensor& e1, const torch::Tensor& e2) {
  const torch::Tensor s1 = e1.matmul(e1.t()).to(torch::kDouble);
  const torch::Tensor s2 = e2.matmul(e2.t()).to(torch::kDouble);
  const torch::Tensor d1 = s1.diagonal(), d2 = s2.diagonal();
  const double n = static_cast<double>(s1.size(0) * (s1.size(0) - 1));
  const double sx = (s1.sum() - d1.sum()).item<double>(), sy = (s2.sum() - d2.sum()).item<double>();
  const double sxx = (s1.pow(2).sum() - d1.pow(2).sum()).item<double>();
  const double syy = (s2.pow(2).sum() - d2.pow(2).sum()).item<double>();
  const double sxy = ((s1 * s2).sum() - (d1 * d2).sum()).item<double>();
  const double cov = sxy / n - (sx / n) * (sy / n);
  return cov / std::sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
}

torch::Tensor average_over_scans(const std::vector<torch::Tensor>& embeddings) {
  if (embeddings.empty()) throw std::invalid_argument("average_over_scans needs a scan");
  for (const torch::Tensor& e : embeddings) {
    if (e.dim() != 2 || e.size(0) != embeddings.front().size(0)) {
      throw std::invalid_argument(
          "average_over_scans: every scan needs embeddings of the same stimuli (N×D), got " +
          c10::str(e.sizes()) + " and " + c10::str(embeddings.front().sizes()));
    }
  }
  return torch::cat(embeddings, 1) / std::sqrt(static_cast<double>(embeddings.size()));
}

}  // namespace neuroreg
