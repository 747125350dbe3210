#include "launch/comparison.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <fcntl.h>
#include <neuroreg/sdk/atomic_file.h>
#include <spawn.h>
#include <sys/wait.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "grid/compare_section.h"
#include "experiment/run_robustness.h"
#include "record/record_io.h"
#include "report/comparison_report.h"
#include "report/group_tables.h"
#include "robustness/robustness_report.h"
#include "runtime/stop_signals.h"

extern char** environ;

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

void write_cell_index(const Grid& grid) {
  std::string text = "index\tid\tlabel\tgroup\tseed\n";
  for (const GridCell& c : grid.cells) {
    text += absl::StrFormat("%d\t%s\t%s\t%s\t%d\n", c.index, c.id, c.label, c.group, c.seed);
  }
  fs::create_directories(grid.run_dir);
  sdk::write_file_atomically((fs::path(grid.run_dir) / kCellIndexFile).string(), text);
}

// The last lines of a child's log, for an error message.
std::string tail_of(const std::string& path, int lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  const size_t from = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  std::string text;
  for (size_t i = from; i < all.size(); ++i) text += "    " + all[i] + "\n";
  return text;
}

// Runs the cells in `todo` as `neuroreg run-cell` processes, `jobs` at once,
// each with its share of the cores. Returns an error line per failed cell.
std::vector<std::string> run_in_processes(const Grid& grid,
                                          const std::vector<const GridCell*>& todo,
                                          const ComparisonOptions& options, Progress& progress) {
  const int cores = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  const int threads = options.overrides.threads > 0
                          ? options.overrides.threads
                          : std::max(1, cores / std::max(1, options.jobs));
  std::map<pid_t, const GridCell*> running;
  std::vector<std::string> failures;
  size_t next = 0;
  bool forwarded = false;
  while ((next < todo.size() && stop_signal() == 0) || !running.empty()) {
    // After a stop request no new cell starts; the running ones checkpoint.
    while (next < todo.size() && static_cast<int>(running.size()) < options.jobs &&
           stop_signal() == 0) {
      const GridCell& cell = *todo[next++];
      const std::string dir = cell_dir(grid, cell);
      fs::create_directories(dir);
      const std::string log = (fs::path(dir) / "run-cell.log").string();
      std::vector<std::string> args = {options.executable, "run-cell"};
      args.insert(args.end(), options.child_args.begin(), options.child_args.end());
      args.insert(args.end(), {"--cell", cell.id, "--threads", std::to_string(threads)});
      if (!options.overrides.device.empty())
        args.insert(args.end(), {"--device", options.overrides.device});
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      posix_spawn_file_actions_t files;
      posix_spawn_file_actions_init(&files);
      posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log.c_str(),
                                       O_WRONLY | O_CREAT | O_APPEND, 0644);
      posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
      pid_t pid = 0;
      const int error =
          posix_spawn(&pid, options.executable.c_str(), &files, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&files);
      if (error != 0) {
        throw std::runtime_error("cannot start " + options.executable + ": " +
                                 std::strerror(error));
      }
      running[pid] = &cell;
      progress.note(absl::StrFormat("[%d/%d] %s started (process %d, %d threads, log %s)",
                                    cell.index + 1, static_cast<int>(grid.cells.size()), cell.label,
                                    pid, threads, log));
    }
    if (running.empty()) break;
    int status = 0;
    pid_t pid = 0;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) == 0) {
      // A SIGTERM sent to this process alone (a scheduler, `kill`) goes on to
      // the cells; Ctrl-C reaches them from the terminal by itself.
      if (stop_signal() == SIGTERM && !forwarded) {
        for (const auto& [child, c] : running) ::kill(child, SIGTERM);
        forwarded = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid < 0) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const GridCell& cell = *it->second;
    running.erase(it);
    const std::string log = (fs::path(cell_dir(grid, cell)) / "run-cell.log").string();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      progress.note(absl::StrFormat("[%d/%d] %s done", cell.index + 1,
                                    static_cast<int>(grid.cells.size()), cell.label));
    } else {
      failures.push_back(absl::StrFormat(
          "cell '%s' %s; the end of %s:\n%s", cell.label,
          WIFEXITED(status) ? absl::StrFormat("exited with %d", WEXITSTATUS(status))
                            : absl::StrFormat("was killed by signal %d", WTERMSIG(status)),
          log, tail_of(log, 5)));
      progress.note("error: " + failures.back());
    }
  }
  return failures;
}

}  // namespace

std::vector<CellResult> run_comparison(const Grid& grid, const Registry& registry,
                                       PluginLoader& loader, const ComparisonOptions& options,
                                       std::ostream& out) {
  const bool writes = options.parallel == nullptr || options.parallel->rank() == 0;
  if (writes) write_cell_index(grid);
  std::vector<const GridCell*> todo;
  int done = 0;
  for (const GridCell& cell : grid.cells) {
    if (cell_state(grid, cell, registry) == CellState::kDone) {
      ++done;
    } else {
      todo.push_back(&cell);
    }
  }
  out << absl::StrFormat("neuroreg: %s: %d cells (%s), %d finished, %d to run%s\n", grid.path,
                         grid.cells.size(),
                         grid.axis_paths.empty()
                             ? "regularizers"
                             : "regularizers × " + absl::StrJoin(grid.axis_paths, " × "),
                         done, todo.size(),
                         options.jobs > 1 ? absl::StrFormat(", %d at once", options.jobs) : "")
      << std::flush;

  Progress progress(out, options.interactive, static_cast<int>(grid.cells.size()),
                    static_cast<int>(todo.size()));
  std::vector<std::string> failures;
  if (options.jobs > 1 && todo.size() > 1) {
    failures = run_in_processes(grid, todo, options, progress);
  } else {
    DataCache cache;
    for (const GridCell* cell : todo) {
      try {
        run_cell(grid, *cell, registry, loader, options.overrides, progress, cache,
                 options.parallel);
      } catch (const StoppedBySignal&) {
        throw;  // says itself which cell stopped and how to resume
      } catch (const std::exception& e) {
        // A cell that cannot even start (bad target, missing file) fails the
        // same way for every seed: stop rather than fail them one by one.
        throw std::runtime_error("grid cell '" + cell->label + "': " + e.what());
      }
    }
  }
  if (const int sig = stop_signal(); sig != 0) {
    throw StoppedBySignal(sig, absl::StrFormat("stopped by signal %d; finished cells are kept and "
                                               "interrupted ones checkpointed. Run the same "
                                               "command again to resume",
                                               sig));
  }
  if (!failures.empty()) {
    throw std::runtime_error(
        absl::StrFormat("%d of %d cells failed:\n", failures.size(), todo.size()) +
        absl::StrJoin(failures, "\n"));
  }
  if (!writes) return {};  // rank 0 reports
  std::vector<CellResult> cells;
  for (const GridCell& cell : grid.cells) cells.push_back(read_cell(grid, cell, registry));
  const std::string table = comparison_text(cells, grid.baseline);
  sdk::write_file_atomically((fs::path(grid.run_dir) / "comparison.txt").string(), table);
  sdk::write_file_atomically((fs::path(grid.run_dir) / kCompareSettingsFile).string(),
                             compare_settings_toml(grid.baseline));
  ReportOptions report_options;
  report_options.baseline = grid.baseline;
  const ReportFiles report = write_comparison_report(
      grid.run_dir, cells, fs::path(grid.path).stem().string(), report_options);
  for (const std::string& warning : report.warnings)
    out << "neuroreg: warning: " << warning << "\n";
  out << "\n" << table << "\nreport: " << (fs::path(grid.run_dir) / "report.html").string() << "\n";
  return cells;
}

std::vector<CellResult> read_comparison(const std::string& dir, std::vector<std::string>* missing) {
  const fs::path index = fs::path(dir) / kCellIndexFile;
  std::ifstream in(index);
  if (!in) {
    throw std::runtime_error(dir + ": not a comparison folder (no " + kCellIndexFile + ")");
  }
  std::vector<CellResult> cells;
  std::string line;
  std::getline(in, line);  // header
  for (int n = 2; std::getline(in, line); ++n) {
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() != 5) {
      throw std::runtime_error(
          absl::StrFormat("%s:%d: expected 5 tab-separated fields", index.string(), n));
    }
    const fs::path cell = fs::path(dir) / fields[1];
    if (!fs::exists(cell / kRecordFile)) {
      if (missing) missing->push_back(fields[2]);
      continue;
    }
    CellResult r;
    r.run = read_run_record((cell / kRecordFile).string());
    if (!r.run.has_evaluation()) {
      if (missing) missing->push_back(fields[2]);
      continue;
    }
    r.id = fields[1];
    r.label = r.run.cell().label();
    r.group = r.run.cell().group();
    if (!absl::SimpleAtoi(fields[4], &r.seed)) {
      throw std::runtime_error(
          absl::StrFormat("%s:%d: seed '%s' is not an integer", index.string(), n, fields[4]));
    }
    for (const auto& axis : r.run.cell().axes()) r.axes.emplace_back(axis.path(), axis.value());
    // The evaluation its own config asked for, when it ran.
    try {
      const toml::table config = toml::parse(r.run.effective_config());
      r.regularizer_label = config["regularizer"][0]["label"].value_or(std::string());
      const std::string eval = config["eval"]["config"].value_or(std::string());
      const std::string file = robustness_record_base(cell.string(), eval) + ".pb";
      if (!eval.empty() && fs::exists(file)) r.robustness.push_back(read_robustness_record(file));
    } catch (const toml::parse_error& e) {
      throw std::runtime_error(
          (cell / kRecordFile).string() +
          ": effective config does not parse: " + std::string(e.description()));
    }
    cells.push_back(std::move(r));
  }
  return cells;
}

}  // namespace neuroreg
