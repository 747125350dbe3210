#include "launch/slurm_executor.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>
#include <neuroreg/sdk/atomic_file.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include "experiment/cell_run.h"
#include "runtime/subprocess.h"

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

constexpr const char* kScriptFile = "array.sh";
constexpr const char* kTasksFile = "cells.tsv";
constexpr const char* kJobFile = "job";

// 'text' for bash: single quotes, each quote written as '\''.
std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// One earlier submission: its folder, job id and array task → cell id.
struct Submission {
  fs::path dir;
  std::string job;
  std::map<int, std::string> cells;
};

std::vector<Submission> read_submissions(const Grid& grid) {
  std::vector<Submission> all;
  std::error_code ec;
  std::set<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(slurm_dir(grid), ec)) {
    if (entry.is_directory(ec)) dirs.insert(entry.path());
  }
  for (const fs::path& dir : dirs) {  // in time order: the names are UTC times
    Submission s;
    s.dir = dir;
    std::ifstream job(dir / kJobFile);
    std::getline(job, s.job);
    std::ifstream tasks(dir / kTasksFile);
    std::string line;
    std::getline(tasks, line);  // header
    while (std::getline(tasks, line)) {
      std::vector<std::string> fields = absl::StrSplit(line, '\t');
      int task = 0;
      if (fields.size() >= 2 && absl::SimpleAtoi(fields[0], &task)) s.cells[task] = fields[1];
    }
    all.push_back(std::move(s));
  }
  return all;
}

// "20261203-101500", unique under `parent` ("-2", "-3" ... when taken).
fs::path new_submission_dir(const fs::path& parent) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc);
  fs::path dir = parent / stamp;
  for (int n = 2; fs::exists(dir); ++n) dir = parent / absl::StrFormat("%s-%d", stamp, n);
  return dir;
}

// "0,2,5" → "0,2,5" or with consecutive runs folded: "0-3,7".
std::string array_spec(const std::vector<int>& indices) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < indices.size();) {
    size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    parts.push_back(j == i ? std::to_string(indices[i])
                           : absl::StrFormat("%d-%d", indices[i], indices[j]));
    i = j + 1;
  }
  return absl::StrJoin(parts, ",");
}

std::string script_text(const Grid& grid, const SlurmSettings& slurm,
                        const ComparisonOptions& options, const std::vector<int>& indices,
                        const fs::path& dir) {
  std::string s = "#!/bin/bash\n";
  s += "# NeuroReg grid " + grid.path +
       " as a Slurm job array (neuroreg compare --executor slurm).\n";
  s += "# Array task N runs grid cell N; " + std::string(kTasksFile) +
       " beside this script names each task's cell id, fixed at submission.\n";
  std::string array = array_spec(indices);
  if (slurm.max_parallel > 0) array += "%" + std::to_string(slurm.max_parallel);
  const std::string name = fs::path(grid.run_dir).filename().string();
  s += "#SBATCH --job-name=" + shell_quote("neuroreg-" + name) + "\n";
  s += "#SBATCH --array=" + array + "\n";
  s += "#SBATCH --output=" + shell_quote((dir / "task-%a.log").string()) + "\n";
  s += "#SBATCH --open-mode=append\n";  // a requeued task adds to its log
  s += "#SBATCH --chdir=" + shell_quote(fs::current_path().string()) + "\n";
  s += "#SBATCH --requeue\n";
  if (slurm.cpus_per_task > 0)
    s += absl::StrFormat("#SBATCH --cpus-per-task=%d\n", slurm.cpus_per_task);
  if (slurm.gpus_per_task > 0)
    s += absl::StrFormat("#SBATCH --gpus-per-task=%d\n", slurm.gpus_per_task);
  if (!slurm.partition.empty()) s += "#SBATCH --partition=" + shell_quote(slurm.partition) + "\n";
  if (!slurm.time.empty()) {
    s += "#SBATCH --time=" + shell_quote(slurm.time) + "\n";
    // SIGTERM two minutes before the limit: the cell checkpoints mid-epoch
    // and the next submission resumes it.
    s += "#SBATCH --signal=B:TERM@120\n";
  }
  for (const std::string& arg : slurm.sbatch_args) s += "#SBATCH " + arg + "\n";
  s += "set -euo pipefail\n";
  s += "cell=$(awk -F'\\t' -v task=\"$SLURM_ARRAY_TASK_ID\" '$1 == task { print $2 }' " +
       shell_quote((dir / kTasksFile).string()) + ")\n";
  s += "if [ -z \"$cell\" ]; then\n  echo \"array task $SLURM_ARRAY_TASK_ID: no cell in " +
       (dir / kTasksFile).string() + "\" >&2\n  exit 2\nfi\n";
  std::vector<std::string> command = {shell_quote(options.executable), "run-cell"};
  for (const std::string& arg : options.child_args) command.push_back(shell_quote(arg));
  command.insert(command.end(), {"--cell", "\"$cell\""});
  command.push_back("--threads");
  command.push_back(options.overrides.threads ? std::to_string(*options.overrides.threads)
                                              : "\"${SLURM_CPUS_PER_TASK:-1}\"");
  if (!options.overrides.device.empty()) {
    command.insert(command.end(), {"--device", shell_quote(options.overrides.device)});
  }
  // exec: the cell is the batch step itself, so Slurm's SIGTERM reaches it.
  s += "exec " + absl::StrJoin(command, " ") + "\n";
  return s;
}

std::string relative_if_shorter(const fs::path& path) {
  std::error_code ec;
  const fs::path rel = fs::relative(path, fs::current_path(), ec);
  return !ec && !rel.empty() && rel.string().size() < path.string().size() ? rel.string()
                                                                           : path.string();
}

// Writes the submission's folder (its cells, the script) and hands the script
// to sbatch; returns the job id. A refused script's folder is removed.
std::string submit(const fs::path& dir, const std::string& script, const std::string& sbatch,
                   const std::vector<const GridCell*>& todo) {
  fs::create_directories(dir);
  std::string tasks = "task\tid\tlabel\n";
  for (const GridCell* cell : todo)
    tasks += absl::StrFormat("%d\t%s\t%s\n", cell->index, cell->id, cell->label);
  sdk::write_file_atomically((dir / kTasksFile).string(), tasks);
  sdk::write_file_atomically((dir / kScriptFile).string(), script);
  fs::permissions(dir / kScriptFile, fs::perms::owner_exec, fs::perm_options::add);
  const ProgramOutput submitted = run_program({sbatch, "--parsable", (dir / kScriptFile).string()});
  if (!submitted.ok()) {
    std::error_code ec;
    fs::remove_all(dir, ec);  // never submitted: not a submission to follow
    throw std::runtime_error("sbatch refused " + (dir / kScriptFile).string() + " (" +
                             submitted.how_it_ended() +
                             "): " + std::string(absl::StripAsciiWhitespace(submitted.err)));
  }
  // --parsable prints "JOBID" or "JOBID;CLUSTER".
  const std::string job = std::string(absl::StripAsciiWhitespace(
      std::vector<std::string>(absl::StrSplit(submitted.out, ';')).front()));
  sdk::write_file_atomically((dir / kJobFile).string(), job + "\n");
  return job;
}

}  // namespace

std::string slurm_dir(const Grid& grid) { return (fs::path(grid.run_dir) / "slurm").string(); }

std::map<std::string, QueuedTask> queued_cells(const Grid& grid, std::string* problem) {
  std::map<std::string, QueuedTask> queued;
  const std::vector<Submission> submissions = read_submissions(grid);
  if (submissions.empty()) return queued;
  const std::string squeue = find_program("squeue");
  if (squeue.empty()) {
    if (problem) *problem = "squeue is not on PATH: queued and running tasks are not shown";
    return queued;
  }
  // The user's jobs, array tasks one per line. Not `-j IDS`: squeue fails
  // on a job id that has left the queue.
  const ProgramOutput listed =
      run_program({squeue, "--me", "--noheader", "--array", "--format=%F|%K|%T|%r"});
  if (!listed.ok()) {
    if (problem) {
      *problem = "squeue failed (" + listed.how_it_ended() +
                 "): " + std::string(absl::StripAsciiWhitespace(listed.err));
    }
    return queued;
  }
  std::map<std::pair<std::string, int>, QueuedTask> by_task;
  for (absl::string_view line : absl::StrSplit(listed.out, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, '|');
    int task = 0;
    if (f.size() != 4 || !absl::SimpleAtoi(f[1], &task)) continue;  // not an array task
    const std::string job = std::string(absl::StripAsciiWhitespace(f[0]));
    by_task[{job, task}] = {job + "_" + std::to_string(task), f[2], f[3]};
  }
  for (const Submission& s : submissions) {
    for (const auto& [task, id] : s.cells) {
      auto it = by_task.find({s.job, task});
      if (it != by_task.end()) queued[id] = it->second;
    }
  }
  return queued;
}

std::string slurm_task_log(const Grid& grid, const std::string& cell_id) {
  std::string log;
  for (const Submission& s : read_submissions(grid)) {
    for (const auto& [task, id] : s.cells) {
      if (id == cell_id) log = (s.dir / absl::StrFormat("task-%d.log", task)).string();
    }
  }
  return log;
}

std::vector<std::string> SlurmLauncher::launch(const Grid& grid,
                                               const std::vector<const GridCell*>& todo) {
  std::vector<int> indices;
  for (const GridCell* cell : todo) indices.push_back(cell->index);
  const fs::path dir = new_submission_dir(fs::absolute(slurm_dir(grid)));
  const std::string script = script_text(grid, slurm_, options_, indices, dir);
  if (slurm_.dry_run) {
    out_ << "# dry run: nothing written or submitted; the script would be "
         << (dir / kScriptFile).string() << "\n"
         << script;
    return {};
  }
  const std::string sbatch = find_program("sbatch");
  if (sbatch.empty()) {
    throw std::runtime_error(
        "--executor slurm: sbatch is not on PATH (is this a Slurm login node?); "
        "'--dry-run' prints the script without submitting it");
  }
  const std::string job = submit(dir, script, sbatch, todo);
  const std::string shown = relative_if_shorter(dir);
  out_ << absl::StrFormat("submitted %d cells as Slurm job %s (array %s%s): %s/%s\n", todo.size(),
                         job, array_spec(indices),
                         slurm_.max_parallel > 0 ? "%" + std::to_string(slurm_.max_parallel) : "",
                         shown, kScriptFile)
      << "  follow it:     " << slurm_.compare_command << " --status   (or squeue -j " << job
      << ")\n"
      << "  task logs:     " << shown
      << "/task-<cell index>.log; each cell's train.log in its folder\n"
      << "  when it ends:  " << slurm_.compare_command
      << "   (aggregates the records and writes the report; reruns nothing that is done)\n";
  return {};
}

void submit_slurm_array(const Grid& grid, const Registry& registry, const SlurmSettings& slurm,
                        const ComparisonOptions& options, std::ostream& out) {
  std::string problem;
  const std::map<std::string, QueuedTask> queued = queued_cells(grid, &problem);
  if (!problem.empty()) out << "neuroreg: warning: " << problem << "\n";
  std::vector<const GridCell*> todo;
  std::vector<std::string> in_queue;
  int done = 0;
  for (const GridCell& cell : grid.cells) {
    if (cell_state(grid, cell, registry) == CellState::kDone) {
      ++done;
    } else if (auto it = queued.find(cell.id); it != queued.end()) {
      in_queue.push_back(cell.label + " (" + it->second.job + " " + it->second.state + ")");
    } else {
      todo.push_back(&cell);
    }
  }
  out << absl::StrFormat(
      "neuroreg: %s: %d cells, %d finished, %d queued or running, %d to submit\n", grid.path,
      grid.cells.size(), done, in_queue.size(), todo.size());
  for (const std::string& q : in_queue) out << "  already in the queue: " << q << "\n";
  if (todo.empty()) {
    out << (in_queue.empty()
                ? "nothing to submit; '" + slurm.compare_command + "' writes the report"
                : "nothing to submit; follow the queued cells with '" + slurm.compare_command +
                      " --status'")
        << "\n";
    return;
  }
  SlurmLauncher(slurm, options, out).launch(grid, todo);
}

}  // namespace neuroreg
