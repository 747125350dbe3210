#include "neural/simulated_v1.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/stimuli.h>
#include <neuroreg/sdk/target.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "neural/neural_similarity.h"
#include "neural/v1_descriptors.h"

namespace neuroreg {
namespace {

constexpr double kPi = 3.14159265358979323846;

// The standard normal CDF.
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

}  // namespace

V1Population::V1Population(const V1Settings& s) : settings_(s) {
  if (s.neurons < 2 || s.height < 8 || s.width < 8) {
    throw std::invalid_argument("simulated V1 needs at least 2 neurons and 8×8 stimuli");
  }
  if (!(s.complex_fraction >= 0 && s.complex_fraction <= 1) || !(s.mean_peak_rate > 0)) {
    throw std::invalid_argument(
        "simulated V1: complex_fraction must lie in [0,1] and mean_peak_rate be positive");
  }
  const bool mouse = s.physiology == V1Physiology::kMouse;
  auto gen = at::detail::createCPUGenerator(s.seed);
  auto uniform = [&](double lo, double hi) {
    return torch::rand({s.neurons, 1}, gen, torch::kDouble) * (hi - lo) + lo;
  };
  // Receptive-field centres: over the whole screen (mouse V1 tiles the
  // visual field; a scan's neurons see all of the monitor), or the legacy
  // central half.
  const double margin = mouse ? 0.0 : 0.25;
  const torch::Tensor cx = uniform(margin * s.width, (1 - margin) * s.width);
  const torch::Tensor cy = uniform(margin * s.height, (1 - margin) * s.height);
  const torch::Tensor theta = uniform(0, kPi);
  const torch::Tensor phase = uniform(0, 2 * kPi);
  // Pixel offsets from each centre, in the units the tuning is stated in:
  // degrees of visual angle (mouse) or pixels (legacy).
  const ScreenGeometry screen;
  const double unit_x = mouse ? screen.deg_per_pixel_x(s.width) : 1.0;
  const double unit_y = mouse ? screen.deg_per_pixel_y(s.height) : 1.0;
  torch::Tensor freq, sigma;
  if (mouse) {
    // Preferred SF: truncated log-normal (v1_physiology.h), drawn by
    // inverting the CDF of a uniform draw between the truncation points.
    const MouseV1Tuning tuning;
    const double lo =
        normal_cdf(std::log2(tuning.sf_min_cpd / tuning.sf_median_cpd) / tuning.sf_sigma_octaves);
    const double hi =
        normal_cdf(std::log2(tuning.sf_max_cpd / tuning.sf_median_cpd) / tuning.sf_sigma_octaves);
    const torch::Tensor z = std::sqrt(2.0) * torch::erfinv(2 * uniform(lo, hi) - 1);
    freq = tuning.sf_median_cpd * torch::exp2(tuning.sf_sigma_octaves * z);
    sigma = tuning.envelope_constant() / freq;  // degrees: the bandwidth rule
  } else {
    // Legacy: log-uniform over 1.6 octaves, envelope 0.35 wavelengths
    // (about 2 octaves of bandwidth), at least 1.5 pixels.
    freq = torch::exp(uniform(std::log(0.1), std::log(0.3)));
    sigma = (0.35 / freq).clamp_min(1.5);
  }
  constexpr double kAspect = 0.7;  // the envelope is 1/0.7 longer along the bars

  const torch::Tensor ys = torch::arange(s.height, torch::kDouble)
                               .view({-1, 1})
                               .expand({s.height, s.width})
                               .reshape({1, -1});
  const torch::Tensor xs = torch::arange(s.width, torch::kDouble)
                               .view({1, -1})
                               .expand({s.height, s.width})
                               .reshape({1, -1});
  // The filters, a block of neurons at a time: every step is per neuron, and
  // blocks keep the temporaries small (8000 neurons at once would allocate
  // gigabytes).
  const int64_t pixels = s.height * s.width;
  even_ = torch::empty({s.neurons, pixels});
  odd_ = torch::empty({s.neurons, pixels});
  constexpr int64_t kBlock = 256;
  for (int64_t first = 0; first < s.neurons; first += kBlock) {
    const int64_t last = std::min(first + kBlock, s.neurons);
    auto block = [&](const torch::Tensor& t) { return t.slice(0, first, last); };
    const torch::Tensor dx = mouse ? (xs - block(cx)) * unit_x : xs - block(cx);
    const torch::Tensor dy = mouse ? (ys - block(cy)) * unit_y : ys - block(cy);
    const torch::Tensor th = block(theta), sg = block(sigma);
    const torch::Tensor along = dx * th.cos() + dy * th.sin();
    const torch::Tensor across = -dx * th.sin() + dy * th.cos();
    const torch::Tensor envelope =
        torch::exp(-(along.square() + (kAspect * across).square()) / (2 * sg.square()));
    auto zero_mean_unit = [&](const torch::Tensor& g) {
      // Remove the envelope-weighted DC so a filter ignores mean luminance.
      torch::Tensor dc = g.sum(1, true) / envelope.sum(1, true);
      torch::Tensor f = g - dc * envelope;
      return (f / f.norm(2, 1, true)).to(torch::kFloat);
    };
    const torch::Tensor carrier = 2 * kPi * block(freq) * along + block(phase);
    even_.slice(0, first, last).copy_(zero_mean_unit(envelope * carrier.cos()));
    odd_.slice(0, first, last).copy_(zero_mean_unit(envelope * carrier.sin()));
  }
  is_complex_ = torch::rand({s.neurons}, gen) < s.complex_fraction;
  // Log-normal peak rates (σ = 1 in log space): SNR varies widely.
  peak_rate_ = (s.mean_peak_rate * torch::exp(torch::randn({s.neurons}, gen) - 0.5));
  frequency_ = freq.flatten();
  orientation_ = theta.flatten();
}

std::pair<torch::Tensor, torch::Tensor> V1Population::linear(const torch::Tensor& stimuli) const {
  torch::Tensor x = sdk::resized(stimuli.to(torch::kFloat), settings_.height, settings_.width);
  x = x.reshape({x.size(0), -1});
  return {x.matmul(even_.t()), x.matmul(odd_.t())};
}

torch::Tensor V1Population::rates(const torch::Tensor& stimuli,
                                  const torch::Tensor& adapted_to) const {
  for (const torch::Tensor* t : {&stimuli, &adapted_to}) {
    if (t->defined() && (t->dim() != 4 || t->size(1) != 1 || t->size(0) < 2)) {
      throw std::invalid_argument("simulated V1 needs stimuli N×1×H×W with N >= 2, got " +
                                  c10::str(t->sizes()));
    }
  }
  auto drive = [&](const torch::Tensor& e, const torch::Tensor& o) {
    return torch::where(is_complex_, (e.square() + o.square()).sqrt(), e.relu());
  };
  const auto [e, o] = linear(stimuli);
  const torch::Tensor u = drive(e, o);
  const auto [ea, oa] = adapted_to.defined() ? linear(adapted_to) : std::make_pair(e, o);
  if (settings_.physiology == V1Physiology::kLegacy) {
    // Half-saturation at the neuron's median drive over these stimuli.
    const torch::Tensor ua = adapted_to.defined() ? drive(ea, oa) : u;
    const torch::Tensor c50 = std::get<0>(ua.median(0, true)).clamp_min(1e-6);
    return peak_rate_ * u.square() / (c50.square() + u.square());
  }
  // Half-saturation at the RMS of the unrectified drive (the linear
  // response, or the quadrature energy's root): never 0 for stimuli that
  // vary, so no neuron collapses to on/off.
  const torch::Tensor c50 = torch::where(is_complex_, (ea.square() + oa.square()).mean(0, true),
                                         ea.square().mean(0, true))
                                .sqrt()
                                .clamp_min(1e-12);
  const double s = MouseV1Tuning().spontaneous_fraction;
  return peak_rate_ * (s + (1 - s) * u.square() / (c50.square() + u.square()));
}

torch::Tensor V1Population::trial(const torch::Tensor& rates, uint64_t seed) const {
  auto gen = at::detail::createCPUGenerator(seed);
  return at::poisson(rates, gen);
}

V1Settings independent_population(const V1Settings& settings) {
  V1Settings other = settings;
  other.seed = settings.seed * 2654435761u + 97531u;  // another stream, fixed per seed
  return other;
}

void write_simulated_v1_targets(const V1Population& population, const torch::Tensor& stimuli,
                                const std::string& source, const std::string& out_dir,
                                std::ostream& log) {
  const V1Settings& s = population.settings();
  // The stimuli as the population saw them: resized to its grid.
  const torch::Tensor shown = sdk::resized(stimuli.to(torch::kFloat), s.height, s.width);
  log << absl::StrFormat(
             "simulate: %d neurons (%.0f%% complex, %s physiology) on %d stimuli of "
             "%d×%d\n",
             s.neurons, 100 * s.complex_fraction, physiology_name(s.physiology), stimuli.size(0),
             s.height, s.width)
      << std::flush;
  const torch::Tensor rates = population.rates(shown);
  const torch::Tensor weights = target_weights(population, rates);
  const torch::Tensor model_e = data_embeddings(rates, weights);

  // The gate and the descriptors, on up to 1000 stimuli (each population's
  // target over them alone), before anything is written.
  const int64_t m = std::min<int64_t>(shown.size(0), kDescriptorStimuli);
  const torch::Tensor probe = shown.slice(0, 0, m);
  auto probe_target = [&](const V1Population& p) {
    const torch::Tensor r = p.rates(probe);
    return data_embeddings(r, target_weights(p, r));
  };
  const double gate = offdiagonal_correlation(
      probe_target(population), probe_target(V1Population(independent_population(s))));
  const V1Descriptors descriptors = describe_population(population, probe, s.seed + 2);
  const std::string gate_text = format_gate(gate, s.physiology, m, "two independent populations' model targets");
  log << format_descriptors(descriptors) << gate_text << std::flush;
  if (s.physiology == V1Physiology::kMouse && gate < kGateThreshold) {
    throw std::runtime_error(absl::StrFormat(
        "target simulate-v1: two independent %d-neuron populations' model targets agree at r = "
        "%.3f < %.2f (the gate; the target would depend on which neurons were drawn); nothing "
        "written to %s (more --neurons make it steadier)",
        s.neurons, gate, kGateThreshold, out_dir));
  }

  const torch::Tensor single = population.trial(rates, s.seed + 1);
  const std::string how =
      absl::StrFormat(
          "simulated V1: %d Gabor neurons (%.0f%% complex, saturating, mean peak rate %g), seed "
          "%d; stimuli: %s, resized to %d×%d\n",
          s.neurons, 100 * s.complex_fraction, s.mean_peak_rate, s.seed, source, s.height,
          s.width) +
      describe_physiology(s.physiology, s.height, s.width) + format_descriptors(descriptors) +
      gate_text;
  const bool weighted = s.physiology == V1Physiology::kMouse;
  sdk::SimilarityTarget model;
  model.stimuli = shown;
  model.embeddings = model_e;
  model.provenance =
      "S from noise-free rates (the truth S_model estimates)" +
      std::string(weighted ? ", weighted by Eq. 1 with a per-neuron scale: each neuron's rates "
                             "divided by their SD sigma_a (as --normalise std does), times "
                             "w_a = sigma_a/eta_a (sigma_a^2 = Var_i of the rate, eta_a^2 = mean_i "
                             "of the rate, the Poisson trial variance)\n"
                           : ", unweighted\n") +
      how;
  sdk::SimilarityTarget data;
  data.stimuli = shown;
  data.embeddings = data_embeddings(single, weights);
  data.provenance = "S from one Poisson trial per stimulus (S_data, Eq. 2)" +
                    std::string(weighted ? ", weighted by the same Eq. 1 weights\n" : "\n") + how;
  const std::string model_dir = (std::filesystem::path(out_dir) / "model").string();
  const std::string data_dir = (std::filesystem::path(out_dir) / "data").string();
  std::filesystem::create_directories(out_dir);
  sdk::save_similarity_target(model, model_dir);
  sdk::save_similarity_target(data, data_dir);

  // How noisy is S_data against the truth? On up to 1000 stimuli.
  const double r =
      offdiagonal_correlation(model.embeddings.slice(0, 0, m), data.embeddings.slice(0, 0, m));
  log << absl::StrFormat("  wrote %s (noise-free) and %s (single trials)\n", model_dir, data_dir)
      << absl::StrFormat("  r(S_data, S_true) = %.3f over %d stimuli\n", r, m);
}

}  // namespace neuroreg
