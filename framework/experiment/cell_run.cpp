#include "experiment/cell_run.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/atomic_file.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include "experiment/run_folder.h"
#include "experiment/run_robustness.h"
#include "experiment/trained_model.h"
#include "record/record_io.h"
#include "record/tensorboard_writer.h"
#include "robustness/eval_config.h"
#include "robustness/noise_eval.h"
#include "runtime/stop_signals.h"
#include "train/trainer.h"
#include "train/training_events.h"

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

// What the steps of one cell's run share: the cell, its folder, where it
// computes and who writes. Data-parallel, only rank 0 writes; the others
// train their share.
struct CellWork {
  const Grid& grid;
  const GridCell& cell;
  const Registry& registry;
  PluginLoader& loader;
  Placement place;
  Progress& progress;
  DataParallel* parallel;
  fs::path dir;
  bool writes;
  std::ofstream log;  // the full training log stays with the cell; the terminal gets progress

  CellWork(const Grid& g, const GridCell& c, const Registry& r, PluginLoader& l, Placement p,
           Progress& pr, DataParallel* dp)
      : grid(g), cell(c), registry(r), loader(l), place(p), progress(pr), parallel(dp),
        dir(cell_dir(g, c)), writes(dp == nullptr || dp->rank() == 0) {
    if (writes) log.open((dir / "train.log").string(), std::ios::app);
  }
  bool data_parallel() const { return parallel != nullptr && parallel->world_size() > 1; }
  std::string record_path() const { return (dir / kRecordFile).string(); }
  std::string checkpoint_path() const { return (dir / kCheckpointFile).string(); }
  std::string position() const {
    return absl::StrFormat("[%d/%d] %s", cell.index + 1, static_cast<int>(grid.cells.size()),
                           cell.label);
  }
};

// The data of `config`, read again only when the previous cell read other data.
const TaskData& cached_data(const RunConfig& config, const Registry& registry, DataCache& cache) {
  const std::string key = data_key(config);
  if (!cache.data || cache.key != key) {
    cache.data = std::make_shared<TaskData>(assemble_data(config, registry));
    cache.key = key;
  }
  return *cache.data;
}

// Batch norm sees each process's share of the batch, not the batch: said in the record.
std::string batchnorm_under_data_parallel(sdk::Backbone& model) {
  for (const auto& m : model.modules()) {
    if (m->name().find("BatchNorm") != std::string::npos) return "per process";
  }
  return "none in the model";
}

// The record a fresh or resumed training starts from, and the epoch it goes on at.
int start_record(CellWork& w, CellState state, Trainer& trainer, record::RunRecord& record) {
  record.set_attempts(1);
  if (state == CellState::kInterrupted && fs::exists(w.checkpoint_path())) {
    return resume_from_checkpoint(trainer, w.checkpoint_path(), w.cell, record);
  }
  if (state == CellState::kInterrupted) {
    // Killed before its first checkpoint: start again, counting the attempt.
    record.set_attempts(read_run_record(w.record_path()).attempts() + 1);
  }
  return 0;
}

// Asked to stop (Ctrl-C, kill, a scheduler): rank 0 keeps where it stands.
[[noreturn]] void stop_cell(CellWork& w, const TrainingStopped& stopped, Trainer& trainer,
                            record::RunRecord& record, double seconds) {
  if (!w.writes) {
    throw StoppedBySignal(stopped.signal,
                          absl::StrFormat("%s: rank %d stopped by signal %d; rank 0 wrote "
                                          "the checkpoint",
                                          w.cell.label, w.parallel->rank(), stopped.signal));
  }
  record.set_wall_seconds(seconds);
  trainer.save_checkpoint(w.checkpoint_path(), stopped.epoch,
                          record_bytes(record, w.checkpoint_path()));
  write_run_record(w.record_path(), record);
  w.log << "stopped: " << stopped.what() << "\n";
  throw StoppedBySignal(
      stopped.signal,
      absl::StrFormat("%s: stopped by signal %d in epoch %d after step %d; checkpoint "
                      "written (%s). Run the same command again to resume from there",
                      w.cell.label, stopped.signal, stopped.epoch + 1, stopped.step,
                      w.checkpoint_path()));
}

// Trains from `first_epoch` on. After every epoch: a checkpoint carrying the
// record, then the record, so a run killed at any moment resumes from its
// last finished epoch with that epoch in its record.
void fit_with_checkpoints(CellWork& w, Trainer& trainer, const TaskData& data, int first_epoch,
                          record::RunRecord& record, const std::function<double()>& elapsed) {
  // TensorBoard reads the event files beside the record: `tensorboard --logdir RUN_DIR`.
  std::optional<TensorBoardWriter> events;
  if (w.writes) {
    events.emplace(w.dir.string());
    trainer.set_step_observer([&](const StepProgress& p) {
      w.progress.step(p);
      write_step_events(*events, p);
    });
  }
  try {
    trainer.fit(data.train, data.validation, first_epoch,
                [&](const record::EpochMetrics& metrics) {
                  if (!w.writes) return;
                  *record.add_epochs() = metrics;
                  record.set_wall_seconds(elapsed());
                  trainer.save_checkpoint(w.checkpoint_path(), metrics.epoch(),
                                          record_bytes(record, w.checkpoint_path()));
                  write_run_record(w.record_path(), record);
                  write_epoch_events(*events, metrics, trainer.global_step());
                  w.progress.epoch(metrics, trainer.epochs());
                });
  } catch (const TrainingStopped& stopped) {
    stop_cell(w, stopped, trainer, record, elapsed());
  }
}

// Trains the cell (afresh, or on from its checkpoint), then saves the model
// and its noise evaluation in the record.
void train_cell(CellWork& w, CellState state, DataCache& cache) {
  const RunConfig& config = w.cell.config;
  const TaskData& data = cached_data(config, w.registry, cache);
  const ComponentConfig& reg_config = config.regularizers.front();
  record::RunRecord record = new_record(w.cell, w.place.device, w.place.threads);
  record.set_train_images(static_cast<int32_t>(data.train.size()));
  if (w.parallel != nullptr) {
    record.mutable_environment()->set_world_size(w.parallel->world_size());
    record.mutable_environment()->set_launcher(w.parallel->env().launcher);
  }
  const auto start = std::chrono::steady_clock::now();
  Assembly built = assemble(config, reg_config, data.info, w.registry, w.place.device, w.log);
  Trainer& trainer = *built.trainer;
  trainer.set_data_parallel(w.parallel);
  if (w.data_parallel()) {
    record.mutable_environment()->set_batchnorm(batchnorm_under_data_parallel(*built.model));
  }
  const int first_epoch = start_record(w, state, trainer, record);
  const double previous_seconds = record.wall_seconds();
  w.log << absl::StrFormat("== %s (%s, alpha %g), attempt %d, %d threads on %s%s ==\n",
                           w.cell.label, reg_config.name, reg_config.options.get_float("alpha"),
                           record.attempts(), w.place.threads, w.place.device.str(),
                           w.data_parallel()
                               ? absl::StrFormat(", %d processes (%s)", w.parallel->world_size(),
                                                 w.parallel->env().launcher)
                               : "");
  w.progress.cell_started(w.cell.index, w.cell.label, first_epoch);
  auto elapsed = [&] {
    return previous_seconds +
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  fit_with_checkpoints(w, trainer, data, first_epoch, record, elapsed);

  if (!w.writes) return;  // rank 0 saves, evaluates and records
  const std::string weights = (w.dir / "model.pt").string();
  save_weights(*built.model, weights);
  record.set_checkpoint(weights);
  *record.mutable_evaluation() = evaluate_noise(*built.model, data.test, config.eval, w.place.device);
  record.mutable_evaluation()->set_test_subset_seed(static_cast<int64_t>(data.test_subset_seed));
  record.set_wall_seconds(elapsed());
  write_run_record(w.record_path(), record);
}

// Trained already: evaluates the saved model as [eval] says now, on the test
// subset [eval] now draws, not the one the record's config drew.
void reevaluate_cell(CellWork& w) {
  const RunConfig& config = w.cell.config;
  w.progress.cell_started(w.cell.index, w.cell.label, 0);
  w.progress.note(w.position() + ": trained; evaluating it ([eval] is new or changed)");
  TrainedModel trained =
      load_trained_model(w.dir.string(), w.loader, w.registry, w.place.device,
                         static_cast<uint64_t>(config.eval.get_int("seed")));
  record::RunRecord record = trained.record;
  *record.mutable_evaluation() =
      evaluate_noise(*trained.model, trained.data.test, config.eval, w.place.device);
  record.mutable_evaluation()->set_test_subset_seed(
      static_cast<int64_t>(trained.data.test_subset_seed));
  record.set_effective_config(config.effective_toml());
  write_run_record(w.record_path(), record);
}

// The robustness evaluation of the cell's [eval] config, when it names one.
std::optional<record::RobustnessRecord> evaluate_cell_robustness(CellWork& w) {
  const std::string eval_path = w.cell.config.eval.get_string("config");
  if (eval_path.empty()) return std::nullopt;
  auto eval_config = load_eval_config(eval_path, w.registry);
  if (!eval_config.ok()) throw std::runtime_error(std::string(eval_config.status().message()));
  w.progress.note(w.position() + ": robustness evaluation (" + eval_path + ")");
  return evaluate_run_robustness(w.dir.string(), *eval_config, w.loader, w.registry,
                                 w.place.device, w.place.threads, w.log);
}

// The part of run_cell that works in the locked folder (data-parallel: every
// rank, rank 0 alone writing).
CellResult train_and_evaluate(CellWork& w, CellState state, DataCache& cache) {
  if (state == CellState::kMissing || state == CellState::kInterrupted) {
    train_cell(w, state, cache);
    if (!w.writes) return {};
  } else {
    reevaluate_cell(w);
  }
  const std::optional<record::RobustnessRecord> robustness = evaluate_cell_robustness(w);
  CellResult result = read_cell(w.grid, w.cell, w.registry);
  w.progress.cell_finished(summary(result.run, robustness), true);
  return result;
}

// A finished cell: its records, announced as such.
CellResult report_done(const Grid& grid, const GridCell& cell, const Registry& registry,
                       Progress& progress) {
  progress.cell_started(cell.index, cell.label, 0);
  CellResult done = read_cell(grid, cell, registry);
  progress.cell_finished(
      summary(done.run,
              done.robustness.empty() ? std::nullopt : std::optional(done.robustness.front())),
      false);
  return done;
}

}  // namespace

CellResult run_cell(const Grid& grid, const GridCell& cell, const Registry& registry,
                    PluginLoader& loader, const RunOverrides& overrides, Progress& progress,
                    DataCache& cache, DataParallel* parallel) {
  CellState state = cell_state(grid, cell, registry);
  const bool writes = parallel == nullptr || parallel->rank() == 0;
  if (parallel != nullptr && parallel->world_size() > 1) {
    // Rank 0's reading of the folder decides for every process.
    state = static_cast<CellState>(std::stoi(
        parallel->from_rank0("cell " + cell.id, std::to_string(static_cast<int>(state)))));
  }
  const bool trains = state == CellState::kMissing || state == CellState::kInterrupted;
  if (!writes && !trains) return {};
  if (writes && state == CellState::kDone) return report_done(grid, cell, registry, progress);
  const Placement place = place_run(cell.config, overrides, parallel);
  if (!writes) {
    CellWork work(grid, cell, registry, loader, place, progress, parallel);
    return train_and_evaluate(work, state, cache);
  }
  const fs::path dir = cell_dir(grid, cell);
  // One writer per run folder; temporary files a killed writer left go now.
  RunFolderLock lock(dir.string());
  // A failure leaves a note for `compare --status`; running again clears it.
  const std::string error_note = (dir / kCellErrorFile).string();
  std::error_code no_note;
  fs::remove(error_note, no_note);
  try {
    CellWork work(grid, cell, registry, loader, place, progress, parallel);
    return train_and_evaluate(work, state, cache);
  } catch (const StoppedBySignal&) {
    throw;
  } catch (const std::exception& e) {
    sdk::write_file_atomically(error_note, utc_now() + "\n" + e.what() + "\n");
    throw;
  }
}

}  // namespace neuroreg
