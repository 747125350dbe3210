#include "experiment/comparison.h"

#include <absl/strings/str_format.h>
#include <absl/time/clock.h>
#include <absl/time/time.h>
#include <google/protobuf/stubs/common.h>
#include <neuroreg/sdk/atomic_file.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <filesystem>
#include <optional>

#include "data/task_data.h"
#include "eval/noise_eval.h"
#include "record/record_io.h"
#include "runtime/runtime.h"
#include "train/trainer.h"

namespace neuroreg {
namespace fs = std::filesystem;
using sdk::ComponentKind;

namespace {

record::RunRecord new_record(const RunConfig& config, const ComponentConfig& regularizer,
                             torch::Device device, int threads) {
  record::RunRecord r;
  r.set_run_name(config.run.get_string("name"));
  r.set_label(regularizer.options.get_string("label"));
  r.set_regularizer(regularizer.name);
  r.set_alpha(regularizer.options.get_float("alpha"));
  r.set_config_path(config.path);
  r.set_effective_config(config.effective_toml());
  r.mutable_versions()->set_neuroreg(NEUROREG_VERSION);
  r.mutable_versions()->set_sdk(NEUROREG_SDK_VERSION);
  r.mutable_versions()->set_torch(TORCH_VERSION);
  r.mutable_versions()->set_protobuf(
      google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION));
  r.mutable_environment()->set_device(device.str());
  r.mutable_environment()->set_threads(threads);
  r.mutable_environment()->set_blas(loaded_blas());
  r.set_started_at(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()));
  return r;
}

void save_weights(sdk::Backbone& model, const std::string& path) {
  sdk::write_atomically_with(path, [&](const std::string& tmp) {
    torch::serialize::OutputArchive archive;
    model.save(archive);
    archive.save_to(tmp);
  });
}

}  // namespace

std::vector<record::RunRecord> run_comparison(const RunConfig& config, const Registry& registry,
                                              const RunOverrides& overrides, std::ostream& log) {
  const torch::Device device =
      select_device(overrides.device.empty() ? config.run.get_string("device") : overrides.device);
  const int threads = configure_threads(
      overrides.threads >= 0 ? overrides.threads : static_cast<int>(config.run.get_int("threads")));
  const uint64_t seed = static_cast<uint64_t>(config.run.get_int("seed"));
  const std::string run_dir =
      (fs::path(config.run.get_string("output_dir")) / config.run.get_string("name")).string();
  log << absl::StrFormat("neuroreg: run '%s' on %s, %d threads, BLAS %s\n",
                         config.run.get_string("name"), device.str(), threads, loaded_blas());

  // Data is read once; every run sees the same images in the same order.
  auto dataset = registry.make_dataset(config.dataset.name, config.dataset.options, {seed});
  TaskData data = prepare_task_data(*dataset, config.dataset.name, config.dataset.options, seed);
  log << absl::StrFormat("  data: %s, %d train / %d validation / %d test images of %d×%d×%d\n",
                         config.dataset.name, data.train.size(), data.validation.size(),
                         data.test.size(), data.info.channels, data.info.height, data.info.width);

  std::vector<record::RunRecord> records;
  for (const ComponentConfig& reg_config : config.regularizers) {
    const std::string label = reg_config.options.get_string("label");
    const fs::path out_dir = fs::path(run_dir) / label;
    const std::string record_path = (out_dir / kRecordFile).string();
    const std::string checkpoint_path = (out_dir / "checkpoint.pt").string();
    log << absl::StrFormat("\n== %s (%s, alpha %g) ==\n", label, reg_config.name,
                           reg_config.options.get_float("alpha"));

    record::RunRecord record = new_record(config, reg_config, device, threads);
    record.set_train_images(static_cast<int32_t>(data.train.size()));
    std::optional<record::RunRecord> previous;
    if (overrides.resume && fs::exists(record_path)) {
      previous = read_run_record(record_path);
      if (previous->effective_config() != record.effective_config()) {
        throw std::runtime_error(record_path +
                                 ": cannot resume: the config changed since this "
                                 "run started (compare its effective config with 'neuroreg show')");
      }
      if (previous->has_evaluation()) {
        log << "  already finished; reusing " << record_path << "\n";
        records.push_back(*previous);
        continue;
      }
    }
    const auto start = std::chrono::steady_clock::now();

    // The same seed before each model: every run starts from the same weights.
    torch::manual_seed(seed);
    auto model = registry.make_backbone(config.backbone.name, config.backbone.options, {data.info});
    model->to(device);
    auto regularizer = registry.make_regularizer(
        reg_config.name, reg_config.options, registry.regularizer_context(*model, data.info, seed));
    regularizer->to(device);
    Trainer trainer(model, regularizer, reg_config.options.get_float("alpha"), config.train, device,
                    seed, log, Augmentation::from_options(config.dataset.options));

    int first_epoch = 0;
    double previous_seconds = 0;
    if (previous && fs::exists(checkpoint_path)) {
      first_epoch = trainer.load_checkpoint(checkpoint_path);
      for (int e = 0; e < first_epoch && e < previous->epochs_size(); ++e) {
        *record.add_epochs() = previous->epochs(e);
      }
      record.set_started_at(previous->started_at());
      previous_seconds = previous->wall_seconds();
      log << absl::StrFormat("  resuming after epoch %d from %s\n", first_epoch, checkpoint_path);
    }
    auto elapsed = [&] {
      return previous_seconds +
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    // After every epoch: a checkpoint, then the record that points at it, so
    // a run killed at any moment can resume from its last finished epoch.
    trainer.fit(data.train, data.validation, first_epoch, [&](const record::EpochMetrics& metrics) {
      *record.add_epochs() = metrics;
      trainer.save_checkpoint(checkpoint_path, metrics.epoch());
      record.set_wall_seconds(elapsed());
      write_run_record(record_path, record);
    });

    const std::string weights = (out_dir / "model.pt").string();
    save_weights(*model, weights);
    record.set_checkpoint(weights);

    log << "  evaluating on " << data.test.size() << " test images\n" << std::flush;
    *record.mutable_evaluation() = evaluate_noise(*model, data.test, config.eval, device);
    record.set_wall_seconds(elapsed());
    write_run_record(record_path, record);
    log << absl::StrFormat("  clean accuracy %.2f%%; record %s\n",
                           100.0 * record.evaluation().clean_accuracy(), record_path);
    records.push_back(std::move(record));
  }
  sdk::write_file_atomically((fs::path(run_dir) / "comparison.txt").string(),
                             format_comparison(records));
  return records;
}

std::string format_comparison(const std::vector<record::RunRecord>& records) {
  if (records.empty()) return "(no runs)\n";
  size_t width = 11;
  for (const auto& r : records) width = std::max(width, r.label().size());
  std::string out = absl::StrFormat("%-*s  %8s", static_cast<int>(width), "regularizer", "clean");
  for (const auto& point : records.front().evaluation().noise()) {
    // σ is two bytes but one column wide.
    out += absl::StrFormat("  %9s", absl::StrFormat("σ=%.3g", point.sigma()));
  }
  out += absl::StrFormat("  %8s\n", "time");
  for (const auto& r : records) {
    out += absl::StrFormat("%-*s  %7.2f%%", static_cast<int>(width), r.label(),
                           100.0 * r.evaluation().clean_accuracy());
    for (const auto& point : r.evaluation().noise()) {
      out += absl::StrFormat("  %7.2f%%", 100.0 * point.accuracy());
    }
    out += absl::StrFormat("  %7.0fs\n", r.wall_seconds());
  }
  return out;
}

}  // namespace neuroreg
