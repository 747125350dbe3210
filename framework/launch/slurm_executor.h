// Running a grid's cells as a Slurm job array.
//
// `compare --executor slurm` writes one sbatch script per submission under
// <comparison>/slurm/<UTC time>/ and submits it: one array task per cell
// that is not finished, array task N being grid cell N. The cell ids of the
// submission are saved beside the script (cells.tsv) and the script runs
// `neuroreg run-cell GRID --cell <id>`, so a later edit of the grid cannot
// make a queued task run another cell: it fails naming the id instead.
// A task trains, evaluates and writes the cell's records exactly as a local
// run does; preempted or requeued, it resumes from the cell's checkpoint
// (Slurm sends SIGTERM first, and SIGTERM checkpoints at the next step).
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "grid/grid.h"
#include "launch/comparison.h"
#include "launch/launcher.h"
#include "plugin_host/registry.h"

namespace neuroreg {

struct SlurmSettings {
  std::string partition;                 ///< --partition; empty: the cluster's default
  std::string time;                      ///< --time per task; empty: the partition's limit
  int cpus_per_task = 0;                 ///< 0: Slurm's default (1); also the cell's threads
  int gpus_per_task = 0;                 ///< 0: none requested
  int max_parallel = 0;                  ///< array throttle %K; 0: none
  std::vector<std::string> sbatch_args;  ///< further sbatch options, as #SBATCH lines
  bool dry_run = false;                  ///< print the script, write and submit nothing
  /// The command that aggregates and follows this grid ("neuroreg compare
  /// grid.toml seed=0,1"), for the hints printed after submitting.
  std::string compare_command;
};

/// `--executor slurm`: writes one sbatch script for `todo` (array task N runs
/// grid cell N) and submits it, printing the job id and how to follow it. The
/// cells run after this command returns; launch returns no failures. With
/// `dry_run` it prints the script and writes and submits nothing.
class SlurmLauncher : public Launcher {
 public:
  SlurmLauncher(const SlurmSettings& slurm, const ComparisonOptions& options, std::ostream& out)
      : slurm_(slurm), options_(options), out_(out) {}
  std::vector<std::string> launch(const Grid& grid,
                                  const std::vector<const GridCell*>& todo) override;

 private:
  const SlurmSettings& slurm_;
  const ComparisonOptions& options_;
  std::ostream& out_;
};

/// The folder of a comparison's submissions.
std::string slurm_dir(const Grid& grid);

/// Writes and submits (with `sbatch`) an array of the cells of `grid` that
/// are not finished and not already queued or running under an earlier
/// submission; prints the job id and how to follow it. `options` gives the
/// binary, the config's overrides and plugin paths to pass on. Throws
/// std::runtime_error when sbatch is missing or refuses the script (its
/// message included); the refused script's folder is removed then.
void submit_slurm_array(const Grid& grid, const Registry& registry, const SlurmSettings& slurm,
                        const ComparisonOptions& options, std::ostream& out);

/// An array task that squeue still lists.
struct QueuedTask {
  std::string job;    ///< "<array job>_<task>", as squeue and scancel name it
  std::string state;  ///< PENDING, RUNNING, COMPLETING, ...
  std::string reason;
};

/// The cells of `grid` that earlier submissions still have in the queue, by
/// cell id. Empty when there were none; when squeue is missing or fails,
/// `problem` says so.
std::map<std::string, QueuedTask> queued_cells(const Grid& grid, std::string* problem);

/// The task log of the cell's latest submission ("" when it was never
/// submitted).
std::string slurm_task_log(const Grid& grid, const std::string& cell_id);

}  // namespace neuroreg
