#include "neural/neural_bench.h"

#include <absl/strings/str_format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "neural/fit.h"
#include "neural/model/predictive_model.h"
#include "neural/clustering.h"
#include "neural/neural_similarity.h"

namespace neuroreg {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void bench_fitting(const NeuralBenchSettings& s, std::ostream& out) {
  constexpr int64_t kBatch = 64;
  torch::manual_seed(0);
  const torch::Tensor images = torch::randn({kBatch, 1, 36, 64});
  const torch::Tensor behavior = torch::randn({kBatch, 3});
  const torch::Tensor pupil = torch::randn({kBatch, 2});
  const torch::Tensor responses = torch::poisson(torch::full({kBatch, s.fit_neurons}, 0.3));
  struct Contender {
    std::string core;
    std::shared_ptr<PredictiveModel> model;
    std::unique_ptr<torch::optim::Adam> optimizer;
    std::vector<double> step_ms, core_ms;
  };
  std::vector<Contender> contenders;
  for (const std::string& core : core_names()) {
    ModelSettings settings;
    settings.core = core;
    settings.features = s.features;
    auto model = std::make_shared<PredictiveModel>(settings, s.fit_neurons, 36, 64, 3);
    auto optimizer = std::make_unique<torch::optim::Adam>(model->parameters());
    fit_step(*model, *optimizer, images, behavior, pupil, responses);  // warm-up
    contenders.push_back({core, model, std::move(optimizer), {}, {}});
  }
  for (int round = 0; round < s.rounds; ++round) {
    for (Contender& c : contenders) {
      auto start = Clock::now();
      for (int i = 0; i < s.steps_per_round; ++i)
        fit_step(*c.model, *c.optimizer, images, behavior, pupil, responses);
      c.step_ms.push_back(ms_since(start) / s.steps_per_round);
      const std::shared_ptr<Core> core = make_core(c.model->settings());
      start = Clock::now();
      for (int i = 0; i < s.steps_per_round; ++i) core->forward(images).sum().backward();
      c.core_ms.push_back(ms_since(start) / s.steps_per_round);
    }
  }
  out << absl::StrFormat(
      "fitting: one Adam step, batch %d of 36×64, %d neurons, features %d; median of %d "
      "interleaved rounds × %d steps\n",
      kBatch, s.fit_neurons, s.features, s.rounds, s.steps_per_round);
  out << absl::StrFormat("  %-22s %10s %12s %10s %14s\n", "core", "step ms", "core fwd+bwd",
                         "ratio", "s/epoch (4500)");
  const double paper = median(contenders.front().step_ms);
  for (const Contender& c : contenders) {
    const double step = median(c.step_ms);
    out << absl::StrFormat("  %-22s %10.1f %12.1f %9.2f× %14.1f\n", c.core, step, median(c.core_ms),
                           step / paper, step * (4500.0 / kBatch) / 1000);
  }
}

// The default core's step at each thread count from 1 to every core, in
// interleaved rounds: which count `neural fit --threads` should take here.
void bench_fit_threads(const NeuralBenchSettings& s, std::ostream& out) {
  constexpr int64_t kBatch = 64;
  const int most = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int before = at::get_num_threads();
  torch::manual_seed(0);
  const torch::Tensor images = torch::randn({kBatch, 1, 36, 64});
  const torch::Tensor behavior = torch::randn({kBatch, 3});
  const torch::Tensor pupil = torch::randn({kBatch, 2});
  const torch::Tensor responses = torch::poisson(torch::full({kBatch, s.fit_neurons}, 0.3));
  ModelSettings settings;
  auto model = std::make_shared<PredictiveModel>(settings, s.fit_neurons, 36, 64, 3);
  torch::optim::Adam optimizer(model->parameters());
  std::vector<std::vector<double>> step_ms(most);
  for (int round = 0; round < s.rounds; ++round) {
    for (int threads = 1; threads <= most; ++threads) {
      at::set_num_threads(threads);
      fit_step(*model, optimizer, images, behavior, pupil, responses);  // settle the pool
      const auto start = Clock::now();
      for (int i = 0; i < s.steps_per_round; ++i)
        fit_step(*model, optimizer, images, behavior, pupil, responses);
      step_ms[threads - 1].push_back(ms_since(start) / s.steps_per_round);
    }
  }
  at::set_num_threads(before);
  out << absl::StrFormat("\nfitting threads: %s step, median of %d interleaved rounds\n",
                         settings.core, s.rounds);
  int fastest = 1;
  for (int threads = 1; threads <= most; ++threads) {
    const double ms = median(step_ms[threads - 1]);
    if (ms < median(step_ms[fastest - 1])) fastest = threads;
    out << absl::StrFormat("  %2d thread%s %8.1f ms/step  %5.2f× of 1 thread\n", threads,
                           threads == 1 ? " " : "s", ms, ms / median(step_ms[0]));
  }
  out << absl::StrFormat("  fastest here: %d (neural fit --threads %d; 0, the default, is %d)\n",
                         fastest, fastest, most);
}

void bench_target(const NeuralBenchSettings& s, std::ostream& out) {
  constexpr int64_t kOracle = 100, kRepeats = 10;
  out << absl::StrFormat("\ntarget: %d stimuli × %d scans × %d neurons\n", s.stimuli, s.scans,
                         s.neurons)
      << std::flush;
  torch::manual_seed(0);
  std::vector<torch::Tensor> responses, oracles;
  for (int64_t h = 0; h < s.scans; ++h) {
    const torch::Tensor rate = torch::rand({1, s.neurons}) * 0.5;
    responses.push_back(torch::poisson(rate.expand({s.stimuli, s.neurons}).contiguous()));
    oracles.push_back(torch::poisson(rate.expand({kOracle * kRepeats, s.neurons}).contiguous())
                          .view({kOracle, kRepeats, s.neurons}));
  }
  std::vector<double> build_ms, gemm_ms;
  for (int round = 0; round < std::max(1, s.rounds / 2); ++round) {
    auto start = Clock::now();
    std::vector<torch::Tensor> embeddings;
    for (int64_t h = 0; h < s.scans; ++h)
      embeddings.push_back(data_embeddings(responses[h], snr_weights(oracles[h])));
    const torch::Tensor e = average_over_scans(embeddings);
    build_ms.push_back(ms_since(start));
    start = Clock::now();
    const torch::Tensor gram = e.matmul(e.t());
    gemm_ms.push_back(ms_since(start));
    out << absl::StrFormat("  round %d: build %.0f ms, GEMM %.0f ms\n", round + 1, build_ms.back(),
                           gemm_ms.back())
        << std::flush;
  }
  const double build = median(build_ms), gemm = median(gemm_ms);
  const double flops = 2.0 * s.stimuli * s.stimuli * s.scans * s.neurons;
  out << absl::StrFormat(
      "  build (Eq. 1 + Eq. 2 per scan, averaged) %.0f ms = %.3f× one GEMM E·Eᵀ (%.0f ms, %.0f "
      "GFLOP/s)\n",
      build, build / gemm, gemm, flops / gemm / 1e6);
}

// The report's clustering of the oracle images, at ten times the paper's 100.
void bench_clustering(std::ostream& out) {
  torch::manual_seed(0);
  const torch::Tensor e = torch::nn::functional::normalize(
      torch::randn({1000, 64}), torch::nn::functional::NormalizeFuncOptions().dim(1));
  const torch::Tensor s = e.matmul(e.t());
  const auto start = Clock::now();
  cluster_order(s);
  out << absl::StrFormat("\nreport: clustering 1000 images for the matrix picture %.0f ms\n",
                         ms_since(start));
}

}  // namespace

void run_neural_bench(const NeuralBenchSettings& settings, std::ostream& out) {
  bench_fitting(settings, out);
  bench_fit_threads(settings, out);
  bench_target(settings, out);
  bench_clustering(out);
}

}  // namespace neuroreg
