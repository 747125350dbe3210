#include "neural/simulated_scans.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/atomic_file.h>
#include <neuroreg/sdk/npy.h>
#include <neuroreg/sdk/stimuli.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "neural/neural_similarity.h"
#include "neural/recordings.h"
#include "neural/v1_descriptors.h"

namespace neuroreg {
namespace {

// A slow random walk: AR(1) with coefficient rho and unit stationary variance.
torch::Tensor slow_walk(int64_t n, int64_t columns, double rho, at::Generator& gen) {
  torch::Tensor noise = torch::randn({n, columns}, gen);
  torch::Tensor x = torch::empty({n, columns});
  const double scale = std::sqrt(1 - rho * rho);
  x[0] = noise[0];
  for (int64_t t = 1; t < n; ++t) x[t] = rho * x[t - 1] + scale * noise[t];
  return x;
}

// Behaviour of `n` trials into `scan` (behavior, pupil_center): pupil size
// and running speed drift slowly, the pupil centre wanders by a pixel or
// two. Returns the per-trial gain they set; animals differ in how strongly
// running and arousal raise it.
torch::Tensor simulate_behaviour(Scan& scan, int64_t n, int64_t animal, at::Generator& gen) {
  const torch::Tensor state = slow_walk(n, 2, 0.95, gen);
  const torch::Tensor pupil_size = 5.0 + state.select(1, 0);
  const torch::Tensor derivative =
      torch::cat({torch::zeros({1}), pupil_size.slice(0, 1) - pupil_size.slice(0, 0, -1)});
  const torch::Tensor running = torch::softplus(2.0 * state.select(1, 1));
  scan.behavior = torch::stack({pupil_size, derivative, running}, 1);
  scan.pupil_center = 1.5 * slow_walk(n, 2, 0.9, gen);
  const double k_run = 0.25 + 0.1 * static_cast<double>(animal);
  const double k_pupil = 0.2;
  return torch::exp(k_run * (running - running.mean()) / running.std() +
                    k_pupil * state.select(1, 0));
}

// A population's embeddings (Eq. 1-2 weighting) of the probe images,
// noise-free and without gain.
torch::Tensor probe_embeddings(const V1Population& population, const torch::Tensor& probe) {
  const torch::Tensor rates = population.rates(probe);
  return data_embeddings(rates, target_weights(population, rates));
}

// The gate speaks for what `neural target` builds: the similarity summed over
// every scan. Concatenating the scans' embeddings gives that sum (e e^T =
// sum_k e_k e_k^T), so the pooled target of these scans is set against that
// of as many independent scans (other neurons, same settings). The scans one
// by one are reported too: a real scan of a few thousand neurons gives a
// noisier target than the pool, which is why the paper averages eight.
void report_populations(const std::vector<V1Population>& populations, const torch::Tensor& pool,
                        std::ostream& log) {
  const int64_t m = std::min<int64_t>(pool.size(0), kDescriptorStimuli);
  const torch::Tensor probe = pool.slice(0, 0, m);
  std::vector<torch::Tensor> embeddings, independent;
  for (const V1Population& population : populations) {
    embeddings.push_back(probe_embeddings(population, probe));
    V1Settings other = population.settings();
    other.seed += 7919;  // scan seeds step by 1 and 100: no collision with another scan
    independent.push_back(probe_embeddings(V1Population(other), probe));
  }
  const V1Physiology physiology = populations.front().settings().physiology;
  log << format_descriptors(
      describe_population(populations.front(), probe, populations.front().settings().seed + 2));
  if (embeddings.size() >= 2) {
    double lowest = 1, sum = 0;
    int pairs = 0;
    for (size_t a = 0; a < embeddings.size(); ++a) {
      for (size_t b = a + 1; b < embeddings.size(); ++b) {
        const double r = offdiagonal_correlation(embeddings[a], embeddings[b]);
        lowest = std::min(lowest, r);
        sum += r;
        ++pairs;
      }
    }
    log << absl::StrFormat(
        "scans one by one: r = %.3f between the least similar of %d scan pairs' model targets "
        "(mean r %.3f); each scan's %d neurons alone would give a noisier target than the pool\n",
        lowest, pairs, sum / pairs, populations.front().settings().neurons);
  }
  const double pooled = offdiagonal_correlation(torch::cat(embeddings, 1), torch::cat(independent, 1));
  log << format_gate(pooled, physiology, m,
                     absl::StrFormat("the pooled model targets of these %d scans and of %d independent ones",
                                     embeddings.size(), independent.size()));
  if (physiology == V1Physiology::kMouse && pooled < kGateThreshold) {
    log << "warning: the pooled target fails the gate: it depends on which neurons were drawn "
           "(simulate more neurons per scan, --neurons, or more scans, --scans)\n";
  }
}

}  // namespace

std::vector<std::string> simulate_scans(const torch::Tensor& images, const ScanSimulation& sim,
                                        const std::string& out_dir, std::ostream& log) {
  const int64_t shown_images = sim.unique_images + sim.oracle_images;
  if (sim.unique_images < 2 || sim.oracle_images < 2 || sim.repeats < 2 || sim.animals < 1 ||
      sim.scans_per_animal < 1) {
    throw std::invalid_argument(
        "simulate_scans: needs at least 2 unique and 2 oracle images, 2 repeats, 1 animal and 1 "
        "scan per animal");
  }
  if (images.dim() != 4 || images.size(1) != 1 || images.size(0) < shown_images) {
    throw std::invalid_argument("simulate_scans: needs " + std::to_string(shown_images) +
                                " images N×1×H×W, got " + c10::str(images.sizes()));
  }
  const V1Settings& v1 = sim.v1;
  const torch::Tensor pool =
      sdk::resized(images.slice(0, 0, shown_images).to(torch::kFloat), v1.height, v1.width);

  // Which unique images are validation: by image, the same in every scan.
  auto split_gen = at::detail::createCPUGenerator(v1.seed);
  const auto validation_count =
      static_cast<int64_t>(sim.validation_fraction * static_cast<double>(sim.unique_images));
  torch::Tensor is_validation = torch::zeros({shown_images}, torch::kBool);
  is_validation.index_fill_(
      0, torch::randperm(sim.unique_images, split_gen, torch::kLong).slice(0, 0, validation_count),
      true);

  // The trial design: unique images once, oracle images `repeats` times.
  const torch::Tensor design =
      torch::cat({torch::arange(sim.unique_images),
                  torch::arange(sim.unique_images, shown_images).repeat_interleave(sim.repeats)});
  const int64_t n = design.size(0);

  std::vector<std::string> written;
  std::vector<V1Population> populations;
  const std::string simulator = describe_physiology(v1.physiology, v1.height, v1.width) +
                                "stimuli: " + sim.stimuli_source + "\n";
  for (int64_t animal = 0; animal < sim.animals; ++animal) {
    for (int64_t s = 0; s < sim.scans_per_animal; ++s) {
      const auto start = std::chrono::steady_clock::now();
      const uint64_t scan_seed = v1.seed * 1000003u + static_cast<uint64_t>(animal * 100 + s + 1);
      auto gen = at::detail::createCPUGenerator(scan_seed);
      V1Settings settings = v1;
      settings.seed = scan_seed;  // each scan records its own neurons
      const V1Population& population = populations.emplace_back(settings);

      Scan scan;
      scan.frame_image_id = design.index_select(0, torch::randperm(n, gen, torch::kLong));
      scan.trial_idx = torch::arange(n);
      scan.tiers.reserve(static_cast<size_t>(n));
      const auto* ids = scan.frame_image_id.data_ptr<int64_t>();
      for (int64_t t = 0; t < n; ++t) {
        scan.tiers.push_back(ids[t] >= sim.unique_images          ? "test"
                             : is_validation[ids[t]].item<bool>() ? "validation"
                                                                  : "train");
      }

      const torch::Tensor gain = simulate_behaviour(scan, n, animal, gen);

      // The image each trial put on the receptive fields: shifted with the eye.
      torch::Tensor shown = pool.index_select(0, scan.frame_image_id);
      const torch::Tensor shift = scan.pupil_center.round().to(torch::kLong);
      for (int64_t t = 0; t < n; ++t) {
        shown[t] =
            shown[t].roll({shift[t][1].item<int64_t>(), shift[t][0].item<int64_t>()}, {1, 2});
      }
      const torch::Tensor truth = population.rates(shown) * gain.unsqueeze(1);
      scan.responses = population.trial(truth, scan_seed + 7);
      scan.images = pool.index_select(0, scan.frame_image_id) * 255.0;
      scan.unit_ids = torch::arange(settings.neurons) + 10000 * (animal * 100 + s + 1);
      scan.compute_statistics();

      const std::string dir =
          (std::filesystem::path(out_dir) / absl::StrFormat("animal%d-scan%d", animal + 1, s + 1))
              .string();
      write_scan(scan, dir);
      std::filesystem::create_directories(std::filesystem::path(dir) / "truth");
      sdk::write_npy((std::filesystem::path(dir) / "truth" / "responses.npy").string(), truth);
      sdk::write_file_atomically((std::filesystem::path(dir) / "truth" / "simulator.txt").string(),
                                 simulator);
      written.push_back(dir);
      log << absl::StrFormat(
                 "  %s: %d trials × %d neurons (%d oracle images × %d repeats) in %.1f s\n", dir, n,
                 settings.neurons, sim.oracle_images, sim.repeats,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count())
          << std::flush;
    }
  }
  report_populations(populations, pool, log);
  return written;
}

std::string truth_file(const std::string& scan_dir, const std::string& truth_dir) {
  namespace fs = std::filesystem;
  if (truth_dir.empty()) return (fs::path(scan_dir) / "truth" / "responses.npy").string();
  fs::path name = fs::path(scan_dir).filename();
  if (name.empty()) name = fs::path(scan_dir).parent_path().filename();  // "scan/"
  return (fs::path(truth_dir) / name / "responses.npy").string();
}

torch::Tensor read_truth(const Scan& scan, const std::string& path) {
  const std::filesystem::path file(path);
  if (!std::filesystem::exists(file)) return {};
  const torch::Tensor truth = sdk::read_npy(file.string()).to(torch::kFloat);
  if (truth.dim() != 2 || truth.size(0) != scan.trials() ||
      truth.size(1) != scan.responses.size(1)) {
    throw std::runtime_error(file.string() + ": expected " + std::to_string(scan.trials()) + "×" +
                             std::to_string(scan.responses.size(1)) +
                             " noise-free responses (trials × neurons), got " +
                             c10::str(truth.sizes()));
  }
  return truth / response_scale(scan);
}

}  // namespace neuroreg
