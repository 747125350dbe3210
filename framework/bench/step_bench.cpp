#include "bench/step_bench.h"

#include <absl/strings/str_format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "data/task_data.h"
#include "experiment/assemble.h"
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

// The batch every contender trains on: the first of the training split.
struct Batch {
  torch::Tensor images, labels;
};

Batch first_batch(const TaskData& data, int64_t batch) {
  if (data.train.size() < batch) {
    throw std::invalid_argument("bench needs at least one batch of " + std::to_string(batch) +
                                " training images");
  }
  return {data.train.images.slice(0, 0, batch), data.train.labels.slice(0, 0, batch)};
}

// The config's regularizers, with plain training (`none`) first when it lacks it.
std::vector<ComponentConfig> with_plain(std::vector<ComponentConfig> regularizers,
                                        const Registry& registry) {
  const bool has_plain = std::any_of(regularizers.begin(), regularizers.end(),
                                     [](const ComponentConfig& r) { return r.name == "none"; });
  if (!has_plain) regularizers.insert(regularizers.begin(), plain_training(registry));
  return regularizers;
}

std::string backbone_text(const RunConfig& config) {
  std::string backbone = config.backbone.name;
  if (config.backbone.options.has("width")) {
    backbone += " width " + std::to_string(config.backbone.options.get_int("width"));
  }
  return backbone;
}

// One round of `steps` timed steps of `c`, added to its tallies.
void time_round(Contender& c, const Batch& batch, int steps, torch::Device device,
                bool per_row_peak) {
  if (device.is_cuda()) torch::cuda::synchronize();
  if (per_row_peak) reset_peak_rss();
  const ResourceUse before = resource_use();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) c.trainer->step(batch.images, batch.labels);
  if (device.is_cuda()) torch::cuda::synchronize();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const ResourceUse after = resource_use();
  c.round_ms.push_back(ms / steps);
  c.used.user_seconds += after.user_seconds - before.user_seconds;
  c.used.system_seconds += after.system_seconds - before.system_seconds;
  c.used.minor_faults += after.minor_faults - before.minor_faults;
  c.peak_rss = std::max(c.peak_rss, peak_rss_bytes());
  c.steps += steps;
}

// The table: a row per contender, its ratio to the first (plain) one.
std::vector<BenchResult> report(const std::vector<Contender>& contenders, int64_t batch,
                                std::ostream& out) {
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
  return results;
}

}  // namespace

ComponentConfig plain_training(const Registry& registry) {
  ComponentConfig plain{"none", registry.defaults(sdk::ComponentKind::kRegularizer, "none")};
  plain.options.set("label", std::string("none"));
  plain.options.set("alpha", 0.0);
  return plain;
}

std::vector<BenchResult> run_step_bench(const RunConfig& config, const Registry& registry,
                                        const RunOverrides& overrides,
                                        const BenchSettings& settings, std::ostream& out) {
  const Placement place = place_run(config, overrides);
  const int64_t batch_size = config.train.get_int("batch_size");
  const TaskData data = assemble_data(config, registry);
  const Batch batch = first_batch(data, batch_size);

  std::ostringstream discard;  // the trainers' progress lines
  std::vector<Contender> contenders;
  for (const ComponentConfig& reg : with_plain(config.regularizers, registry)) {
    Contender contender;
    contender.label = reg.options.get_string("label");
    contender.trainer = assemble(config, reg, data.info, registry, place.device, discard).trainer;
    for (int i = 0; i < settings.warmup_steps; ++i) contender.trainer->step(batch.images, batch.labels);
    contenders.push_back(std::move(contender));
  }

  out << absl::StrFormat(
      "bench: %s, batch %d of %d×%d×%d, %s, %d threads, BLAS %s\n"
      "       allocator %s\n"
      "       median of %d interleaved rounds × %d steps each\n",
      backbone_text(config), batch_size, data.info.channels, data.info.height, data.info.width,
      place.device.str(), place.threads, loaded_blas(), allocator_in_use(), settings.rounds,
      settings.steps_per_round);
  const bool per_row_peak = reset_peak_rss();
  for (int round = 0; round < settings.rounds; ++round) {
    for (Contender& c : contenders) {
      time_round(c, batch, settings.steps_per_round, place.device, per_row_peak);
    }
  }
  std::vector<BenchResult> results = report(contenders, batch_size, out);
  if (!per_row_peak) {
    out << "peak RSS: the process's peak (this kernel does not reset it per row)\n";
  }
  return results;
}

}  // namespace neuroreg
