#include "cli/grid_commands.h"

#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include "bench/distributed_bench.h"
#include "bench/step_bench.h"
#include "config/run_config.h"
#include "distributed/data_parallel.h"
#include "experiment/cell_run.h"
#include "experiment/preflight.h"
#include "experiment/progress.h"
#include "grid/grid.h"
#include "launch/comparison.h"
#include "launch/comparison_status.h"
#include "launch/slurm_executor.h"
#include "plugin_host/plugin_loader.h"
#include "runtime/stop_signals.h"

namespace neuroreg {
namespace {

// The binary `compare --jobs` starts for each cell: this one, unless
// NEUROREG_EXECUTABLE names another (the test suite runs the CLI in process).
std::string neuroreg_executable() {
  if (const char* exe = std::getenv("NEUROREG_EXECUTABLE"); exe && *exe) return exe;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("neuroreg") : self.string();
}

// The run settings the flags override (--device, --threads).
RunOverrides run_overrides(const Flags& flags) {
  RunOverrides overrides;
  overrides.device = flags.text("--device");
  if (flags.has("--threads")) overrides.threads = flags.number("--threads", 0);
  return overrides;
}

// The folders of --plugin-path, absolute, each as "--plugin-path DIR": for a
// child process, which may start in another folder.
std::vector<std::string> absolute_plugin_args(const Flags& flags) {
  std::vector<std::string> args;
  for (const std::string& dir : flags.every("--plugin-path")) {
    args.insert(args.end(), {"--plugin-path", std::filesystem::absolute(dir).string()});
  }
  return args;
}

int jobs(const Flags& flags) { return flags.number("--jobs", 1); }

bool on_slurm(const Flags& flags) { return flags.text("--executor", "local") == "slurm"; }

SlurmSettings slurm_settings(const Flags& flags) {
  SlurmSettings slurm;
  slurm.partition = flags.text("--partition");
  slurm.time = flags.text("--time");
  slurm.cpus_per_task = flags.number("--cpus-per-task", slurm.cpus_per_task);
  slurm.gpus_per_task = flags.number("--gpus-per-task", slurm.gpus_per_task);
  slurm.max_parallel = flags.number("--max-parallel", slurm.max_parallel);
  slurm.sbatch_args = flags.every("--sbatch-arg");
  slurm.dry_run = flags.has("--dry-run");
  return slurm;
}

BenchSettings bench_settings(const Flags& flags) {
  BenchSettings bench;
  bench.rounds = flags.number("--rounds", bench.rounds);
  bench.steps_per_round = flags.number("--steps", bench.steps_per_round);
  return bench;
}

// The process group of a data-parallel grid ([run] distributed = true, or
// started by torchrun with WORLD_SIZE > 1), or null.
std::unique_ptr<DataParallel> data_parallel_for(const Grid& grid, const Flags& flags,
                                                std::ostream& err) {
  const RunConfig& config = grid.cells.front().config;
  const bool wanted = config.run.get_bool("distributed");
  const char* world = std::getenv("WORLD_SIZE");  // torchrun's launch enables it
  if (!wanted && (world == nullptr || std::string(world) == "1")) {
    const char* tasks = std::getenv("SLURM_NTASKS");
    if (world == nullptr && tasks != nullptr && std::getenv("SLURM_PROCID") != nullptr &&
        std::string(tasks) != "1") {
      throw std::runtime_error(absl::StrFormat(
          "srun started %s tasks of this command, but [run] distributed is false: each would "
          "train the same cells. Set run.distributed=true to train each cell across them, or "
          "start one task",
          tasks));
    }
    return nullptr;
  }
  const DistributedEnv env = distributed_env();
  if (jobs(flags) > 1) {
    throw std::runtime_error(
        "--jobs runs cells side by side; a data-parallel run trains one "
        "cell across processes: drop --jobs");
  }
  if (on_slurm(flags)) {
    throw std::runtime_error(
        "--executor slurm starts one process per cell; launch a data-parallel run with srun "
        "(see 'Running on a cluster' in the README)");
  }
  if (env.launcher.empty()) {
    err << "neuroreg: warning: [run] distributed = true, but no launcher started this process "
           "(no RANK/WORLD_SIZE of torchrun, no SLURM_PROCID/SLURM_NTASKS of srun): training "
           "in this one process\n";
  }
  return std::make_unique<DataParallel>(
      env, std::chrono::seconds(config.run.get_int("distributed_timeout")));
}

// The grid of the command's CONFIG and overrides; null after printing why not.
std::optional<Grid> command_grid(const Invocation& call, std::ostream& err) {
  std::vector<std::string> warnings;
  auto grid =
      load_grid(call.operands[0], call.assignments, *call.loader, *call.registry, &warnings);
  print_warnings(warnings, err);
  if (!grid.ok()) {
    report_error(grid.status(), err);
    return std::nullopt;
  }
  return *std::move(grid);
}

// How the user runs this grid, for hints: the command, its config and overrides.
std::string command_line(const Invocation& call) {
  std::string line = "neuroreg " + call.command.name + " " + call.operands[0];
  for (const std::string& a : call.assignments) line += " " + a;
  for (const std::string& dir : call.flags.every("--plugin-path")) line += " --plugin-path " + dir;
  return line;
}

ComparisonOptions comparison_options(const Invocation& call, DataParallel* parallel,
                                     bool interactive) {
  ComparisonOptions options;
  options.overrides = run_overrides(call.flags);
  options.jobs = jobs(call.flags);
  options.parallel = parallel;
  options.interactive = interactive;
  options.executable = neuroreg_executable();
  // Absolute: a cell may start elsewhere (a Slurm node's working folder).
  options.child_args.push_back(std::filesystem::absolute(call.operands[0]).string());
  options.child_args.insert(options.child_args.end(), call.assignments.begin(),
                            call.assignments.end());
  const std::vector<std::string> plugins = absolute_plugin_args(call.flags);
  options.child_args.insert(options.child_args.end(), plugins.begin(), plugins.end());
  return options;
}

// Runs the cells of `grid` that are not finished, here or as a Slurm array.
int launch(const Invocation& call, const Grid& grid, std::ostream& out, std::ostream& err) {
  const Registry& registry = *call.registry;
  // Everything a cell would build is built once now, so a broken last cell
  // fails before the first one trains.
  if (absl::Status status = preflight(grid, cells_to_run(grid, registry), registry); !status.ok()) {
    return report_error(status, err);
  }
  // Data-parallel: every process runs this command; rank 0 alone prints.
  std::unique_ptr<DataParallel> parallel = data_parallel_for(grid, call.flags, err);
  std::ostream quiet(nullptr);
  std::ostream& progress_out = parallel && parallel->rank() != 0 ? quiet : out;
  const ComparisonOptions options = comparison_options(
      call, parallel.get(), &progress_out == &std::cout && isatty(STDOUT_FILENO));
  if (on_slurm(call.flags)) {
    SlurmSettings slurm = slurm_settings(call.flags);
    slurm.compare_command = command_line(call);
    submit_slurm_array(grid, registry, slurm, options, out);
    return 0;
  }
  run_comparison(grid, registry, *call.loader, options, progress_out);
  return 0;
}

// The regularizers of a grid, by label.
size_t regularizer_count(const Grid& grid) {
  std::set<std::string> labels;
  for (const GridCell& cell : grid.cells) {
    labels.insert(cell.config.regularizers.front().options.get_string("label"));
  }
  return labels.size();
}

// compare and train; train insists on `one_regularizer`.
int run_grid(const Invocation& call, bool one_regularizer, std::ostream& out, std::ostream& err) {
  std::optional<Grid> grid = command_grid(call, err);
  if (!grid) return 1;
  // From here on a run trains: Ctrl-C or SIGTERM checkpoint and stop it.
  install_stop_signals();
  if (call.flags.has("--status")) {
    print_comparison_status(*grid, *call.registry, command_line(call), out);
    return 0;
  }
  if (one_regularizer && regularizer_count(*grid) != 1) {
    err << "neuroreg: error: " << call.operands[0] << ": 'train' runs one [[regularizer]], this "
        << "config has " << regularizer_count(*grid) << "; use 'neuroreg compare'\n";
    return 1;
  }
  return launch(call, *grid, out, err);
}

// The cell `key` names, by id or index, or null.
const GridCell* find_cell(const Grid& grid, const std::string& key) {
  const GridCell* found = nullptr;
  for (const GridCell& cell : grid.cells) {
    if (cell.id == key || std::to_string(cell.index) == key) found = &cell;
  }
  return found;
}

// What config check prints: the cells, what was built, and the first cell's
// effective config.
void print_check(const std::string& path, const Grid& grid, const std::vector<std::string>& built,
                 std::ostream& out) {
  out << path << ": ok (" << grid.cells.size() << " cells";
  if (!grid.axis_paths.empty()) out << ": regularizers × " << absl::StrJoin(grid.axis_paths, " × ");
  out << ")\n";
  for (const GridCell& cell : grid.cells) out << "  " << cell.id << "\n";
  out << "built on two test images:\n";
  for (const std::string& line : built) out << "  " << line << "\n";
  out << "\n# effective config of " << grid.cells.front().label << "\n"
      << grid.cells.front().config.effective_toml();
}

}  // namespace

int compare_command(const Invocation& call, std::ostream& out, std::ostream& err) {
  return run_grid(call, /*one_regularizer=*/false, out, err);
}

int train_command(const Invocation& call, std::ostream& out, std::ostream& err) {
  return run_grid(call, /*one_regularizer=*/true, out, err);
}

int run_cell_command(const Invocation& call, std::ostream& out, std::ostream& err) {
  std::optional<Grid> grid = command_grid(call, err);
  if (!grid) return 1;
  // From here on a run trains: Ctrl-C or SIGTERM checkpoint and stop it.
  install_stop_signals();
  const std::string key = call.flags.text("--cell");
  if (key.empty()) return usage_error(call, err);
  const GridCell* cell = find_cell(*grid, key);
  if (!cell) {
    const std::string& path = call.operands[0];
    err << "neuroreg: error: " << path << " has no cell '" << key << "' (" << grid->cells.size()
        << " cells, indices 0-" << grid->cells.size() - 1 << "; 'neuroreg config check " << path
        << "' lists their ids)\n";
    return 1;
  }
  std::unique_ptr<DataParallel> parallel = data_parallel_for(*grid, call.flags, err);
  std::ostream quiet(nullptr);
  Progress progress(parallel && parallel->rank() != 0 ? quiet : out, false,
                    static_cast<int>(grid->cells.size()), 1);
  DataCache cache;
  run_cell(*grid, *cell, *call.registry, *call.loader, run_overrides(call.flags), progress, cache,
           parallel.get());
  return 0;
}

int bench_command(const Invocation& call, std::ostream& out, std::ostream& err) {
  const std::string& path = call.operands[0];
  std::vector<std::string> warnings;
  auto config = load_run_config(path, *call.loader, *call.registry, &warnings);
  print_warnings(warnings, err);
  if (!config.ok()) return report_error(config.status(), err);
  const BenchSettings bench = bench_settings(call.flags);
  if (call.flags.has("--data-parallel-worker")) {
    run_bench_worker(*config, *call.registry, bench, out);
    return 0;
  }
  run_step_bench(*config, *call.registry, run_overrides(call.flags), bench, out);
  std::vector<std::string> child = {"bench",    std::filesystem::absolute(path).string(),
                                    "--rounds", std::to_string(bench.rounds),
                                    "--steps",  std::to_string(bench.steps_per_round)};
  const std::vector<std::string> plugins = absolute_plugin_args(call.flags);
  child.insert(child.end(), plugins.begin(), plugins.end());
  run_distributed_bench(neuroreg_executable(), child, out);
  return 0;
}

int config_check_command(const Invocation& call, std::ostream& out, std::ostream& err) {
  std::optional<Grid> grid = command_grid(call, err);
  if (!grid) return 1;
  std::vector<const GridCell*> all;
  for (const GridCell& cell : grid->cells) all.push_back(&cell);
  std::vector<std::string> built;
  if (absl::Status status = preflight(*grid, all, *call.registry, &built); !status.ok()) {
    return report_error(status, err);
  }
  print_check(call.operands[0], *grid, built, out);
  return 0;
}

std::string launch_flag_problem(const Flags& flags) {
  if (!on_slurm(flags)) {
    for (const char* flag : {"--partition", "--time", "--cpus-per-task", "--gpus-per-task",
                             "--max-parallel", "--sbatch-arg", "--dry-run"}) {
      if (flags.has(flag)) return std::string(flag) + " is for --executor slurm";
    }
  } else if (flags.has("--jobs")) {
    return "--jobs is for the local executor; with --executor slurm, --max-parallel K limits "
           "the array tasks running at once";
  }
  if (flags.has("--status") && (flags.has("--executor") || flags.has("--jobs"))) {
    return "--status only reports; it takes no --executor or --jobs";
  }
  return "";
}

}  // namespace neuroreg
