#include "launch/child_process_launcher.h"

#include <absl/strings/str_format.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "experiment/cell_state.h"
#include "runtime/stop_signals.h"
#include "runtime/subprocess.h"

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

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

std::string log_of(const Grid& grid, const GridCell& cell) {
  return (fs::path(cell_dir(grid, cell)) / "run-cell.log").string();
}

int threads_per_cell(const ComparisonOptions& options) {
  const int cores = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  return options.overrides.threads.value_or(std::max(1, cores / std::max(1, options.jobs)));
}

}  // namespace

ChildProcessLauncher::ChildProcessLauncher(const ComparisonOptions& options, Progress& progress)
    : options_(options), progress_(progress), threads_(threads_per_cell(options)) {}

void ChildProcessLauncher::start(const Grid& grid, const GridCell& cell) {
  fs::create_directories(cell_dir(grid, cell));
  const std::string log = log_of(grid, cell);
  std::vector<std::string> args = {options_.executable, "run-cell"};
  args.insert(args.end(), options_.child_args.begin(), options_.child_args.end());
  args.insert(args.end(), {"--cell", cell.id, "--threads", std::to_string(threads_)});
  if (!options_.overrides.device.empty()) {
    args.insert(args.end(), {"--device", options_.overrides.device});
  }
  const pid_t pid = start_program(args, log);
  running_[pid] = &cell;
  progress_.note(absl::StrFormat("[%d/%d] %s started (process %d, %d threads, log %s)",
                                 cell.index + 1, static_cast<int>(grid.cells.size()), cell.label,
                                 pid, threads_, log));
}

void ChildProcessLauncher::finished(const Grid& grid, pid_t pid, const ProgramEnd& end,
                                    std::vector<std::string>& failures) {
  auto it = running_.find(pid);
  if (it == running_.end()) return;  // not one of the cells
  const GridCell& cell = *it->second;
  running_.erase(it);
  const std::string position =
      absl::StrFormat("[%d/%d] %s", cell.index + 1, static_cast<int>(grid.cells.size()),
                      cell.label);
  if (end.ok()) {
    progress_.note(position + " done");
    return;
  }
  const std::string log = log_of(grid, cell);
  failures.push_back(absl::StrFormat(
      "cell '%s' %s; the end of %s:\n%s", cell.label,
      end.signal == 0 ? absl::StrFormat("exited with %d", end.exit_status)
                      : absl::StrFormat("was killed by signal %d", end.signal),
      log, tail_of(log, 5)));
  progress_.note("error: " + failures.back());
}

std::vector<std::string> ChildProcessLauncher::launch(const Grid& grid,
                                                      const std::vector<const GridCell*>& todo) {
  std::vector<std::string> failures;
  size_t next = 0;
  bool forwarded = false;
  while ((next < todo.size() && stop_signal() == 0) || !running_.empty()) {
    // After a stop request no new cell starts; the running ones checkpoint.
    while (next < todo.size() && static_cast<int>(running_.size()) < options_.jobs &&
           stop_signal() == 0) {
      start(grid, *todo[next++]);
    }
    if (running_.empty()) break;
    const EndedChild ended = wait_for_any_child([&] {
      // A SIGTERM sent to this process alone (a scheduler, `kill`) goes on to
      // the cells; Ctrl-C reaches them from the terminal by itself.
      if (stop_signal() == SIGTERM && !forwarded) {
        for (const auto& [child, c] : running_) ::kill(child, SIGTERM);
        forwarded = true;
      }
    });
    finished(grid, ended.pid, ended.end, failures);
  }
  return failures;
}

}  // namespace neuroreg
