#include "experiment/run_robustness.h"

#include <absl/time/clock.h>
#include <absl/time/time.h>
#include <google/protobuf/stubs/common.h>
#include <neuroreg/sdk/atomic_file.h>
#include <torch/version.h>

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
                                                 std::ostream& log) {
  const auto start = std::chrono::steady_clock::now();
  TrainedModel trained = load_trained_model(run, loader, registry, device);
  record::RobustnessRecord r =
      evaluate_robustness(*trained.model, trained.data.test, config, registry, device, log);
  r.set_run(run);
  r.set_label(trained.record.label());
  r.set_eval_config_path(config.path);
  r.set_effective_eval_config(config.effective_toml());
  r.mutable_versions()->set_neuroreg(NEUROREG_VERSION);
  r.mutable_versions()->set_sdk(NEUROREG_SDK_VERSION);
  r.mutable_versions()->set_torch(TORCH_VERSION);
  r.mutable_versions()->set_protobuf(
      google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION));
  r.mutable_environment()->set_device(device.str());
  r.mutable_environment()->set_threads(threads);
  r.mutable_environment()->set_blas(loaded_blas());
  r.set_started_at(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()));
  r.set_wall_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  const std::string base = robustness_record_base(trained.run_dir, config.path);
  write_robustness_record(base + ".pb", r);
  sdk::write_file_atomically(base + ".txt", format_robustness(r));
  return r;
}

}  // namespace neuroreg
