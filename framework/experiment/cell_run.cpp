#include "experiment/cell_run.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/atomic_file.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "robustness/noise_eval.h"
#include "experiment/run_folder.h"
#include "experiment/run_robustness.h"
#include "experiment/trained_model.h"
#include "record/record_io.h"
#include "record/tensorboard_writer.h"
#include "train/training_events.h"
#include "robustness/robustness_report.h"
#include "runtime/runtime.h"
#include "runtime/stop_signals.h"
#include "train/trainer.h"

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

record::RunRecord new_record(const GridCell& cell, torch::Device device, int threads) {
  const RunConfig& config = cell.config;
  const ComponentConfig& regularizer = config.regularizers.front();
  record::RunRecord r;
  r.set_run_name(config.run.get_string("name"));
  r.set_label(cell.group);
  r.set_regularizer(regularizer.name);
  r.set_alpha(regularizer.options.get_float("alpha"));
  r.set_config_path(config.path);
  r.set_effective_config(config.effective_toml());
  *r.mutable_versions() = current_versions();
  *r.mutable_environment() = current_environment(device.str(), threads);
  r.set_started_at(utc_now());
  record::GridCell* c = r.mutable_cell();
  c->set_id(cell.id);
  c->set_label(cell.label);
  c->set_group(cell.group);
  c->set_index(cell.index);
  for (const auto& [path, value] : cell.axes) {
    record::GridAxisValue* axis = c->add_axes();
    axis->set_path(path);
    axis->set_value(value);
  }
  c->set_identity_config(cell.identity);
  return r;
}

// The record as the checkpoint carries it: checkpoint and record then commit
// together, with the checkpoint's single rename.
std::string record_bytes(const record::RunRecord& record, const std::string& path) {
  return serialize_with_checksum(record, record::RunRecord::kChecksumFieldNumber, path);
}

// Restores a checkpoint into `trainer` and returns the epoch to go on from;
// `record` takes the epochs, start time and attempts the checkpoint carries.
// A checkpoint of another run (other identity config) is refused.
int resume_from_checkpoint(Trainer& trainer, const std::string& path, const GridCell& cell,
                           record::RunRecord& record) {
  std::string attached;
  const int next_epoch = trainer.load_checkpoint(path, &attached);
  if (attached.empty()) return next_epoch;  // written before checkpoints carried the record
  record::RunRecord saved;
  if (!saved.ParseFromString(attached)) {
    throw std::runtime_error(path + ": the run record inside the checkpoint cannot be read");
  }
  if (saved.cell().identity_config() != cell.identity) {
    throw std::runtime_error(
        path + " was written by another run than grid cell '" + cell.label +
        "' (its config differs: 'neuroreg show' the record beside it). Delete the checkpoint "
        "to train this cell afresh, or restore the config it was written with");
  }
  if (saved.epochs_size() != next_epoch) {
    throw std::runtime_error(absl::StrFormat(
        "%s: holds %d finished epochs but continues at epoch %d; the file is inconsistent. "
        "Delete it to train this cell afresh",
        path, saved.epochs_size(), next_epoch + 1));
  }
  record.clear_epochs();
  for (const auto& e : saved.epochs()) *record.add_epochs() = e;
  record.set_started_at(saved.started_at());
  record.set_wall_seconds(saved.wall_seconds());
  record.set_attempts(saved.attempts() + 1);
  return next_epoch;
}

void save_weights(sdk::Backbone& model, const std::string& path) {
  sdk::write_atomically_with(path, [&](const std::string& tmp) {
    torch::serialize::OutputArchive archive;
    model.save(archive);
    archive.save_to(tmp);
  });
}

// The [eval] section of an effective config's text (effective_toml writes
// each section as its header, its keys and a blank line).
std::string eval_section(const std::string& effective) {
  const size_t at = effective.find("[eval]\n");
  return at == std::string::npos ? "" : effective.substr(at, effective.find("\n\n", at) - at);
}

std::string eval_config_path(const GridCell& cell) { return cell.config.eval.get_string("config"); }

// The robustness record of the cell's eval config, when it matches that
// config as it is now.
std::optional<record::RobustnessRecord> current_robustness(const std::string& dir,
                                                           const GridCell& cell,
                                                           const Registry& registry) {
  const std::string path = eval_config_path(cell);
  if (path.empty()) return std::nullopt;
  const std::string file = robustness_record_base(dir, path) + ".pb";
  if (!fs::exists(file)) return std::nullopt;
  auto config = load_eval_config(path, registry);
  if (!config.ok()) throw std::runtime_error(std::string(config.status().message()));
  record::RobustnessRecord r = read_robustness_record(file);
  if (r.effective_eval_config() != config->effective_toml()) return std::nullopt;
  return r;
}

// Cells with the same [dataset] table, seed and [eval] seed read the same splits.
std::string data_key(const RunConfig& config) {
  std::string key = config.dataset.name + "\nseed=" + std::to_string(config.run.get_int("seed")) +
                    "\ntest subset seed=" + std::to_string(config.eval.get_int("seed"));
  for (const auto& [k, v] : config.dataset.options.values()) {
    key += "\n" + k + "=" + sdk::to_toml_text(v);
  }
  return key;
}

std::string summary(const record::RunRecord& r,
                    const std::optional<record::RobustnessRecord>& robustness) {
  std::string line = absl::StrFormat("clean %.2f%%", 100.0 * r.evaluation().clean_accuracy());
  for (const auto& point : r.evaluation().noise()) {
    line += absl::StrFormat(", σ=%.3g %.2f%%", point.sigma(), 100.0 * point.accuracy());
  }
  if (robustness) {
    for (const auto& norm : robustness->norms()) {
      line += absl::StrFormat(", %s median %.4g", norm.norm(), norm.median());
    }
  }
  return line + absl::StrFormat(" (%.0f s)", r.wall_seconds());
}

}  // namespace

const char* to_string(CellState state) {
  switch (state) {
    case CellState::kMissing:
      return "missing";
    case CellState::kInterrupted:
      return "interrupted";
    case CellState::kNeedsEvaluation:
      return "needs evaluation";
    case CellState::kDone:
      return "done";
  }
  return "?";
}

std::string cell_dir(const Grid& grid, const GridCell& cell) {
  return (fs::path(grid.run_dir) / cell.id).string();
}

CellState cell_state(const Grid& grid, const GridCell& cell, const Registry& registry) {
  const std::string dir = cell_dir(grid, cell);
  const std::string record_path = (fs::path(dir) / kRecordFile).string();
  if (!fs::exists(record_path)) {
    // A run killed after its first checkpoint but before its first record:
    // the checkpoint carries that record, so nothing is lost.
    return fs::exists(fs::path(dir) / kCheckpointFile) ? CellState::kInterrupted
                                                       : CellState::kMissing;
  }
  const record::RunRecord r = read_run_record(record_path);
  if (r.cell().identity_config() != cell.identity) {
    throw std::runtime_error(
        record_path + " belongs to another config than grid cell '" + cell.label +
        "' (compare them with 'neuroreg show " + dir +
        "'). To keep that run, move its folder elsewhere; to replace it, delete the folder; "
        "then run again");
  }
  if (!r.has_evaluation()) return CellState::kInterrupted;
  if (eval_section(r.effective_config()) != eval_section(cell.config.effective_toml()) ||
      (!eval_config_path(cell).empty() && !current_robustness(dir, cell, registry))) {
    return CellState::kNeedsEvaluation;
  }
  return CellState::kDone;
}

CellResult read_cell(const Grid& grid, const GridCell& cell, const Registry& registry) {
  const std::string dir = cell_dir(grid, cell);
  if (cell_state(grid, cell, registry) != CellState::kDone) {
    throw std::runtime_error(dir + ": grid cell '" + cell.label + "' is not finished");
  }
  CellResult result;
  result.id = cell.id;
  result.label = cell.label;
  result.group = cell.group;
  result.regularizer_label = cell.config.regularizers.front().options.get_string("label");
  result.axes = cell.axes;
  result.seed = cell.seed;
  result.run = read_run_record(dir);
  if (auto r = current_robustness(dir, cell, registry)) result.robustness.push_back(*r);
  return result;
}

// The cell's device; data-parallel on GPUs, process LOCAL_RANK takes GPU
// LOCAL_RANK (modulo the GPUs it sees), as torchrun's convention has it.
torch::Device cell_device(const RunConfig& config, const RunOverrides& overrides,
                          const DataParallel* parallel) {
  torch::Device device =
      select_device(overrides.device.empty() ? config.run.get_string("device") : overrides.device);
  if (device.is_cuda() && parallel != nullptr && parallel->world_size() > 1) {
    const int gpus = static_cast<int>(torch::cuda::device_count());
    device = torch::Device(torch::kCUDA,
                           static_cast<c10::DeviceIndex>(parallel->env().local_rank % gpus));
  }
  return device;
}

// The part of run_cell that works in the locked folder.
// Data-parallel, only rank 0 writes (`writes`); the others train their share.
CellResult train_and_evaluate(const Grid& grid, const GridCell& cell, CellState state,
                              const Registry& registry, PluginLoader& loader, torch::Device device,
                              int threads, Progress& progress, DataCache& cache,
                              DataParallel* parallel) {
  const RunConfig& config = cell.config;
  const fs::path dir = cell_dir(grid, cell);
  const std::string record_path = (dir / kRecordFile).string();
  const std::string checkpoint_path = (dir / kCheckpointFile).string();
  const bool writes = parallel == nullptr || parallel->rank() == 0;
  // The full training log stays with the cell; the terminal gets progress.
  std::ofstream log;
  if (writes) log.open((dir / "train.log").string(), std::ios::app);

  if (state == CellState::kMissing || state == CellState::kInterrupted) {
    const uint64_t seed = static_cast<uint64_t>(config.run.get_int("seed"));
    const std::string key = data_key(config);
    if (!cache.data || cache.key != key) {
      auto dataset = registry.make_dataset(config.dataset.name, config.dataset.options, {seed});
      cache.data = std::make_shared<TaskData>(
          prepare_task_data(*dataset, config.dataset.name, config.dataset.options, seed,
                            static_cast<uint64_t>(config.eval.get_int("seed"))));
      cache.key = key;
    }
    const TaskData& data = *cache.data;
    const ComponentConfig& reg_config = config.regularizers.front();

    record::RunRecord record = new_record(cell, device, threads);
    record.set_train_images(static_cast<int32_t>(data.train.size()));
    if (parallel != nullptr) {
      record.mutable_environment()->set_world_size(parallel->world_size());
      record.mutable_environment()->set_launcher(parallel->env().launcher);
    }
    const auto start = std::chrono::steady_clock::now();

    // The same seed before each model: cells of one seed start from the same weights.
    torch::manual_seed(seed);
    auto model = registry.make_backbone(config.backbone.name, config.backbone.options, {data.info});
    model->to(device);
    auto regularizer = registry.make_regularizer(
        reg_config.name, reg_config.options, registry.regularizer_context(*model, data.info, seed));
    regularizer->to(device);
    Trainer trainer(model, regularizer, reg_config.options.get_float("alpha"), config.train, device,
                    seed, log, Augmentation::from_options(config.dataset.options));
    trainer.set_data_parallel(parallel);
    if (parallel != nullptr && parallel->world_size() > 1) {
      // Batch norm sees each process's share of the batch, not the batch.
      bool batchnorm = false;
      for (const auto& m : model->modules()) {
        batchnorm = batchnorm || m->name().find("BatchNorm") != std::string::npos;
      }
      record.mutable_environment()->set_batchnorm(batchnorm ? "per process" : "none in the model");
    }

    int first_epoch = 0;
    record.set_attempts(1);
    if (state == CellState::kInterrupted && fs::exists(checkpoint_path)) {
      first_epoch = resume_from_checkpoint(trainer, checkpoint_path, cell, record);
    } else if (state == CellState::kInterrupted) {
      // Killed before its first checkpoint: start again, counting the attempt.
      record.set_attempts(read_run_record(record_path).attempts() + 1);
    }
    const double previous_seconds = record.wall_seconds();
    log << absl::StrFormat("== %s (%s, alpha %g), attempt %d, %d threads on %s%s ==\n", cell.label,
                           reg_config.name, reg_config.options.get_float("alpha"),
                           record.attempts(), threads, device.str(),
                           parallel != nullptr && parallel->world_size() > 1
                               ? absl::StrFormat(", %d processes (%s)", parallel->world_size(),
                                                 parallel->env().launcher)
                               : "");
    progress.cell_started(cell.index, cell.label, first_epoch);
    auto elapsed = [&] {
      return previous_seconds +
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    // TensorBoard reads the event files beside the record: `tensorboard --logdir RUN_DIR`.
    std::optional<TensorBoardWriter> events;
    if (writes) {
      events.emplace(dir.string());
      trainer.set_step_observer([&](const StepProgress& p) {
        progress.step(p);
        write_step_events(*events, p);
      });
    }
    // After every epoch: a checkpoint carrying the record, then the record,
    // so a run killed at any moment resumes from its last finished epoch
    // with that epoch in its record.
    try {
      trainer.fit(data.train, data.validation, first_epoch,
                  [&](const record::EpochMetrics& metrics) {
                    if (!writes) return;
                    *record.add_epochs() = metrics;
                    record.set_wall_seconds(elapsed());
                    trainer.save_checkpoint(checkpoint_path, metrics.epoch(),
                                            record_bytes(record, checkpoint_path));
                    write_run_record(record_path, record);
                    write_epoch_events(*events, metrics, trainer.global_step());
                    progress.epoch(metrics, trainer.epochs());
                  });
    } catch (const TrainingStopped& stopped) {
      if (!writes) {
        throw StoppedBySignal(stopped.signal,
                              absl::StrFormat("%s: rank %d stopped by signal %d; rank 0 wrote "
                                              "the checkpoint",
                                              cell.label, parallel->rank(), stopped.signal));
      }
      // Asked to stop (Ctrl-C, kill, a scheduler): keep where it stands.
      record.set_wall_seconds(elapsed());
      trainer.save_checkpoint(checkpoint_path, stopped.epoch,
                              record_bytes(record, checkpoint_path));
      write_run_record(record_path, record);
      log << "stopped: " << stopped.what() << "\n";
      throw StoppedBySignal(
          stopped.signal,
          absl::StrFormat("%s: stopped by signal %d in epoch %d after step %d; checkpoint "
                          "written (%s). Run the same command again to resume from there",
                          cell.label, stopped.signal, stopped.epoch + 1, stopped.step,
                          checkpoint_path));
    }

    if (!writes) return {};  // rank 0 saves, evaluates and records
    const std::string weights = (dir / "model.pt").string();
    save_weights(*model, weights);
    record.set_checkpoint(weights);
    *record.mutable_evaluation() = evaluate_noise(*model, data.test, config.eval, device);
    record.mutable_evaluation()->set_test_subset_seed(static_cast<int64_t>(data.test_subset_seed));
    record.set_wall_seconds(elapsed());
    write_run_record(record_path, record);
  } else {
    // Trained already: evaluate the saved model as [eval] says now.
    progress.cell_started(cell.index, cell.label, 0);
    progress.note(absl::StrFormat("[%d/%d] %s: trained; evaluating it ([eval] is new or changed)",
                                  cell.index + 1, static_cast<int>(grid.cells.size()), cell.label));
    // The test subset as [eval] says now, not as the record's config said.
    TrainedModel trained = load_trained_model(dir.string(), loader, registry, device,
                                              static_cast<uint64_t>(config.eval.get_int("seed")));
    record::RunRecord record = trained.record;
    *record.mutable_evaluation() =
        evaluate_noise(*trained.model, trained.data.test, config.eval, device);
    record.mutable_evaluation()->set_test_subset_seed(
        static_cast<int64_t>(trained.data.test_subset_seed));
    record.set_effective_config(config.effective_toml());
    write_run_record(record_path, record);
  }

  std::optional<record::RobustnessRecord> robustness;
  if (const std::string eval_path = eval_config_path(cell); !eval_path.empty()) {
    auto eval_config = load_eval_config(eval_path, registry);
    if (!eval_config.ok()) throw std::runtime_error(std::string(eval_config.status().message()));
    progress.note(absl::StrFormat("[%d/%d] %s: robustness evaluation (%s)", cell.index + 1,
                                  static_cast<int>(grid.cells.size()), cell.label, eval_path));
    robustness =
        evaluate_run_robustness(dir.string(), *eval_config, loader, registry, device, threads, log);
  }
  CellResult result = read_cell(grid, cell, registry);
  progress.cell_finished(summary(result.run, robustness), true);
  return result;
}

CellResult run_cell(const Grid& grid, const GridCell& cell, const Registry& registry,
                    PluginLoader& loader, const RunOverrides& overrides, Progress& progress,
                    DataCache& cache, DataParallel* parallel) {
  const RunConfig& config = cell.config;
  CellState state = cell_state(grid, cell, registry);
  const bool writes = parallel == nullptr || parallel->rank() == 0;
  if (parallel != nullptr && parallel->world_size() > 1) {
    // Rank 0's reading of the folder decides for every process.
    state = static_cast<CellState>(std::stoi(
        parallel->from_rank0("cell " + cell.id, std::to_string(static_cast<int>(state)))));
    if (!writes) {
      if (state != CellState::kMissing && state != CellState::kInterrupted) return {};
      const torch::Device device = cell_device(config, overrides, parallel);
      const int threads = configure_threads(overrides.threads >= 0
                                                ? overrides.threads
                                                : static_cast<int>(config.run.get_int("threads")));
      return train_and_evaluate(grid, cell, state, registry, loader, device, threads, progress,
                                cache, parallel);
    }
  }
  if (state == CellState::kDone) {
    progress.cell_started(cell.index, cell.label, 0);
    CellResult done = read_cell(grid, cell, registry);
    progress.cell_finished(
        summary(done.run,
                done.robustness.empty() ? std::nullopt : std::optional(done.robustness.front())),
        false);
    return done;
  }
  const torch::Device device = cell_device(config, overrides, parallel);
  const int threads = configure_threads(
      overrides.threads >= 0 ? overrides.threads : static_cast<int>(config.run.get_int("threads")));
  const fs::path dir = cell_dir(grid, cell);
  // One writer per run folder; temporary files a killed writer left go now.
  RunFolderLock lock(dir.string());
  // A failure leaves a note for `compare --status`; running again clears it.
  const std::string error_note = (dir / kCellErrorFile).string();
  std::error_code no_note;
  fs::remove(error_note, no_note);
  try {
    return train_and_evaluate(grid, cell, state, registry, loader, device, threads, progress, cache,
                              parallel);
  } catch (const StoppedBySignal&) {
    throw;
  } catch (const std::exception& e) {
    sdk::write_file_atomically(error_note, utc_now() + "\n" + e.what() + "\n");
    throw;
  }
}

}  // namespace neuroreg
