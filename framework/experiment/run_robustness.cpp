#include "experiment/run_robustness.h"

#include <neuroreg/sdk/atomic_file.h>

#include <chrono>
#include <filesystem>

#include "experiment/trained_model.h"
#include "record/record_io.h"
#include "robustness/robustness_eval.h"
#include "robustness/robustness_report.h"
#include "runtime/runtime.h"

namespace neuroreg {
namespace fs = std::filesystem;

std::string robustness_record_base(const std::string& run_dir,
                                   const std::string& eval_config_path) {
  return (fs::path(run_dir) / ("robustness-" + fs::path(eval_config_path).stem().string()))
      .string();
}

record::RobustnessRecord evaluate_run_robustness(const std::string& run, const EvalConfig& config,
                                                 PluginLoader& loader, const Registry& registry,
                                                 torch::Device device, int threads,
                                                 std::ostream& log, std::string* written) {
  const auto start = std::chrono::steady_clock::now();
  TrainedModel trained = load_trained_model(run, loader, registry, device);
  record::RobustnessRecord r =
      evaluate_robustness(*trained.model, trained.data.test, config, registry, device, log);
  r.set_run(run);
  r.set_label(trained.record.label());
  r.set_eval_config_path(config.path);
  r.set_effective_eval_config(config.effective_toml());
  *r.mutable_versions() = current_versions();
  *r.mutable_environment() = current_environment(device.str(), threads);
  r.set_started_at(utc_now());
  r.set_wall_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  const std::string base = robustness_record_base(trained.run_dir, config.path);
  write_robustness_record(base + ".pb", r);
  sdk::write_file_atomically(base + ".txt", format_robustness(r));
  if (written) *written = base + ".pb";
  return r;
}

}  // namespace neuroreg
