#include "neural/simulated_v1.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/stimuli.h>
#include <neuroreg/sdk/target.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>

namespace neuroreg {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Pearson correlation of the off-diagonal entries of two similarity matrices.
double off_diagonal_correlation(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor mask = torch::ones_like(a, torch::kBool).triu(1);
  torch::Tensor x = a.masked_select(mask).to(torch::kDouble);
  torch::Tensor y = b.masked_select(mask).to(torch::kDouble);
  x = x - x.mean();
  y = y - y.mean();
  return ((x * y).sum() / (x.norm() * y.norm())).item<double>();
}

}  // namespace

V1Population::V1Population(const V1Settings& s) : settings_(s) {
  if (s.neurons < 2 || s.height < 8 || s.width < 8) {
    throw std::invalid_argument("simulated V1 needs at least 2 neurons and 8×8 stimuli");
  }
  if (!(s.complex_fraction >= 0 && s.complex_fraction <= 1) || !(s.mean_peak_rate > 0)) {
    throw std::invalid_argument(
        "simulated V1: complex_fraction must lie in [0,1] and mean_peak_rate be positive");
  }
  auto gen = at::detail::createCPUGenerator(s.seed);
  auto uniform = [&](double lo, double hi) {
    return torch::rand({s.neurons, 1}, gen, torch::kDouble) * (hi - lo) + lo;
  };
  const torch::Tensor cx = uniform(0.25 * s.width, 0.75 * s.width);
  const torch::Tensor cy = uniform(0.25 * s.height, 0.75 * s.height);
  const torch::Tensor theta = uniform(0, kPi);
  const torch::Tensor phase = uniform(0, 2 * kPi);
  // Spatial frequency log-uniform over 1.6 octaves; the envelope scales with
  // the wavelength (about 2 octaves of bandwidth), at least 1.5 pixels. At
  // 36×64 pixels for the screen, fields span 6-20 pixels (±2σ), as mouse V1
  // fields do there and as the predictive cores' 17-21 pixel reach assumes.
  const torch::Tensor freq = torch::exp(uniform(std::log(0.1), std::log(0.3)));
  const torch::Tensor sigma = (0.35 / freq).clamp_min(1.5);
  constexpr double kAspect = 0.7;

  const torch::Tensor ys = torch::arange(s.height, torch::kDouble)
                               .view({-1, 1})
                               .expand({s.height, s.width})
                               .reshape({1, -1});
  const torch::Tensor xs = torch::arange(s.width, torch::kDouble)
                               .view({1, -1})
                               .expand({s.height, s.width})
                               .reshape({1, -1});
  const torch::Tensor dx = xs - cx, dy = ys - cy;
  const torch::Tensor along = dx * theta.cos() + dy * theta.sin();
  const torch::Tensor across = -dx * theta.sin() + dy * theta.cos();
  const torch::Tensor envelope =
      torch::exp(-(along.square() + (kAspect * across).square()) / (2 * sigma.square()));
  auto zero_mean_unit = [&](const torch::Tensor& g) {
    // Remove the envelope-weighted DC so a filter ignores mean luminance.
    torch::Tensor dc = g.sum(1, true) / envelope.sum(1, true);
    torch::Tensor f = g - dc * envelope;
    return (f / f.norm(2, 1, true)).to(torch::kFloat);
  };
  const torch::Tensor carrier = 2 * kPi * freq * along + phase;
  even_ = zero_mean_unit(envelope * carrier.cos());
  odd_ = zero_mean_unit(envelope * carrier.sin());
  is_complex_ = torch::rand({s.neurons}, gen) < s.complex_fraction;
  // Log-normal peak rates (σ = 1 in log space): SNR varies widely.
  peak_rate_ = (s.mean_peak_rate * torch::exp(torch::randn({s.neurons}, gen) - 0.5));
}

torch::Tensor V1Population::drive(const torch::Tensor& stimuli) const {
  torch::Tensor x = sdk::resized(stimuli.to(torch::kFloat), settings_.height, settings_.width);
  x = x.reshape({x.size(0), -1});
  const torch::Tensor e = x.matmul(even_.t());
  const torch::Tensor o = x.matmul(odd_.t());
  return torch::where(is_complex_, (e.square() + o.square()).sqrt(), e.relu());
}

torch::Tensor V1Population::rates(const torch::Tensor& stimuli) const {
  if (stimuli.dim() != 4 || stimuli.size(1) != 1 || stimuli.size(0) < 2) {
    throw std::invalid_argument("simulated V1 needs stimuli N×1×H×W with N >= 2, got " +
                                c10::str(stimuli.sizes()));
  }
  const torch::Tensor u = drive(stimuli);
  // Half-saturation at the neuron's median drive over these stimuli.
  const torch::Tensor c50 = std::get<0>(u.median(0, true)).clamp_min(1e-6);
  return peak_rate_ * u.square() / (c50.square() + u.square());
}

torch::Tensor V1Population::trial(const torch::Tensor& rates, uint64_t seed) const {
  auto gen = at::detail::createCPUGenerator(seed);
  return at::poisson(rates, gen);
}

void write_simulated_v1_targets(const V1Population& population, const torch::Tensor& stimuli,
                                const std::string& source, const std::string& out_dir,
                                std::ostream& log) {
  const V1Settings& s = population.settings();
  // The stimuli as the population saw them: resized to its grid.
  const torch::Tensor shown = sdk::resized(stimuli.to(torch::kFloat), s.height, s.width);
  log << absl::StrFormat("simulate: %d neurons (%.0f%% complex) on %d stimuli of %d×%d\n",
                         s.neurons, 100 * s.complex_fraction, stimuli.size(0), s.height, s.width);
  const torch::Tensor rates = population.rates(shown);
  const torch::Tensor single = population.trial(rates, s.seed + 1);
  const std::string how = absl::StrFormat(
      "simulated V1: %d Gabor neurons (%.0f%% complex, saturating, mean peak rate %g), seed %d; "
      "stimuli: %s, resized to %d×%d",
      s.neurons, 100 * s.complex_fraction, s.mean_peak_rate, s.seed, source, s.height, s.width);

  sdk::SimilarityTarget model;
  model.stimuli = shown;
  model.embeddings = sdk::unit_embeddings(rates);
  model.provenance = how + "\nS from noise-free rates (the truth S_model estimates)\n";
  sdk::SimilarityTarget data;
  data.stimuli = shown;
  data.embeddings = sdk::unit_embeddings(single);
  data.provenance = how + "\nS from one Poisson trial per stimulus (S_data, Eq. 2)\n";
  const std::string model_dir = (std::filesystem::path(out_dir) / "model").string();
  const std::string data_dir = (std::filesystem::path(out_dir) / "data").string();
  std::filesystem::create_directories(out_dir);
  sdk::save_similarity_target(model, model_dir);
  sdk::save_similarity_target(data, data_dir);

  // How noisy is S_data against the truth? On up to 1000 stimuli.
  const int64_t m = std::min<int64_t>(stimuli.size(0), 1000);
  const torch::Tensor idx = torch::arange(m);
  const double r = off_diagonal_correlation(model.similarity(idx), data.similarity(idx));
  log << absl::StrFormat("  wrote %s (noise-free) and %s (single trials)\n", model_dir, data_dir)
      << absl::StrFormat("  r(S_data, S_true) = %.3f over %d stimuli\n", r, m);
}

}  // namespace neuroreg
