#include "bench/step_bench.h"

#include <absl/strings/str_format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "data/task_data.h"
#include "runtime/allocator.h"
#include "runtime/runtime.h"
#include "train/trainer.h"

namespace neuroreg {
namespace {

struct Contender {
  std::string label;
  std::unique_ptr<Trainer> trainer;
  std::vector<double> round_ms;
  ResourceUse used;      // summed over the timed steps
  int64_t peak_rss = 0;  // bytes, the highest over its rounds
  int steps = 0;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

}  // namespace

std::vector<BenchResult> run_step_bench(const RunConfig& config, const Registry& registry,
                                        const RunOverrides& overrides,
                                        const BenchSettings& settings, std::ostream& out) {
  const torch::Device device =
      select_device(overrides.device.empty() ? config.run.get_string("device") : overrides.device);
  const int threads = configure_threads(
      overrides.threads >= 0 ? overrides.threads : static_cast<int>(config.run.get_int("threads")));
  const uint64_t seed = static_cast<uint64_t>(config.run.get_int("seed"));
  const int64_t batch = config.train.get_int("batch_size");

  auto dataset = registry.make_dataset(config.dataset.name, config.dataset.options, {seed});
  TaskData data = prepare_task_data(*dataset, config.dataset.name, config.dataset.options, seed,
                                    static_cast<uint64_t>(config.eval.get_int("seed")));
  if (data.train.size() < batch) {
    throw std::invalid_argument("bench needs at least one batch of " + std::to_string(batch) +
                                " training images");
  }
  const torch::Tensor images = data.train.images.slice(0, 0, batch);
  const torch::Tensor labels = data.train.labels.slice(0, 0, batch);

  std::vector<ComponentConfig> regularizers = config.regularizers;
  const bool has_plain = std::any_of(regularizers.begin(), regularizers.end(),
                                     [](const ComponentConfig& r) { return r.name == "none"; });
  if (!has_plain) {
    ComponentConfig plain{"none", registry.defaults(sdk::ComponentKind::kRegularizer, "none")};
    plain.options.set("label", std::string("none"));
    plain.options.set("alpha", 0.0);
    regularizers.insert(regularizers.begin(), plain);
  }

  std::ostringstream discard;  // the trainers' progress lines
  std::vector<Contender> contenders;
  for (const ComponentConfig& reg : regularizers) {
    torch::manual_seed(seed);
    auto model = registry.make_backbone(config.backbone.name, config.backbone.options, {data.info});
    model->to(device);
    auto regularizer = registry.make_regularizer(
        reg.name, reg.options, registry.regularizer_context(*model, data.info, seed));
    regularizer->to(device);
    auto trainer = std::make_unique<Trainer>(model, regularizer, reg.options.get_float("alpha"),
                                             config.train, device, seed, discard,
                                             Augmentation::from_options(config.dataset.options));
    for (int i = 0; i < settings.warmup_steps; ++i) trainer->step(images, labels);
    Contender contender;
    contender.label = reg.options.get_string("label");
    contender.trainer = std::move(trainer);
    contenders.push_back(std::move(contender));
  }

  std::string backbone = config.backbone.name;
  if (config.backbone.options.has("width")) {
    backbone += " width " + std::to_string(config.backbone.options.get_int("width"));
  }
  out << absl::StrFormat(
      "bench: %s, batch %d of %d×%d×%d, %s, %d threads, BLAS %s\n"
      "       allocator %s\n"
      "       median of %d interleaved rounds × %d steps each\n",
      backbone, batch, data.info.channels, data.info.height, data.info.width, device.str(), threads,
      loaded_blas(), allocator_in_use(), settings.rounds, settings.steps_per_round);
  const bool per_row_peak = reset_peak_rss();
  for (int round = 0; round < settings.rounds; ++round) {
    for (Contender& c : contenders) {
      if (device.is_cuda()) torch::cuda::synchronize();
      if (per_row_peak) reset_peak_rss();
      const ResourceUse before = resource_use();
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < settings.steps_per_round; ++i) c.trainer->step(images, labels);
      if (device.is_cuda()) torch::cuda::synchronize();
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      const ResourceUse after = resource_use();
      c.round_ms.push_back(ms / settings.steps_per_round);
      c.used.user_seconds += after.user_seconds - before.user_seconds;
      c.used.system_seconds += after.system_seconds - before.system_seconds;
      c.used.minor_faults += after.minor_faults - before.minor_faults;
      c.peak_rss = std::max(c.peak_rss, peak_rss_bytes());
      c.steps += settings.steps_per_round;
    }
  }

  std::vector<BenchResult> results;
  const double plain_ms = median(contenders.front().round_ms);
  out << absl::StrFormat("%-24s %9s %9s %7s %9s %12s %10s\n", "regularizer", "ms/step", "images/s",
                         "ratio", "sys/user", "faults/step", "peak RSS");
  for (const Contender& c : contenders) {
    BenchResult r;
    r.label = c.label;
    r.ms_per_step = median(c.round_ms);
    r.images_per_second = 1000.0 * static_cast<double>(batch) / r.ms_per_step;
    r.ratio_to_plain = r.ms_per_step / plain_ms;
    r.system_share = c.used.user_seconds > 0 ? c.used.system_seconds / c.used.user_seconds : 0;
    r.minor_faults_per_step = static_cast<double>(c.used.minor_faults) / c.steps;
    r.peak_rss_bytes = c.peak_rss;
    out << absl::StrFormat("%-24s %9.1f %9.1f %6.2fx %8.1f%% %12.0f %7.0f MiB\n", r.label,
                           r.ms_per_step, r.images_per_second, r.ratio_to_plain,
                           100 * r.system_share, r.minor_faults_per_step,
                           static_cast<double>(r.peak_rss_bytes) / (1 << 20));
    results.push_back(r);
  }
  if (!per_row_peak) {
    out << "peak RSS: the process's peak (this kernel does not reset it per row)\n";
  }
  return results;
}

}  // namespace neuroreg
