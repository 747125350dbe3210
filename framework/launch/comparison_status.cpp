#include "launch/comparison_status.h"

#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "experiment/cell_state.h"
#include "experiment/run_folder.h"
#include "launch/slurm_executor.h"

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

// The failure note's time and first line of its message.
std::string failure_of(const fs::path& note) {
  std::ifstream in(note);
  std::string when, what;
  std::getline(in, when);
  std::getline(in, what);
  if (what.size() > 160) what = what.substr(0, 157) + "...";
  return when + ": " + what;
}

struct Row {
  std::string state, label, detail;
};

// "Slurm 12_3 PENDING (Priority)", or "" when the queue does not list the cell.
std::string queue_text(const std::map<std::string, QueuedTask>& queued, const GridCell& cell) {
  const auto queue = queued.find(cell.id);
  if (queue == queued.end()) return "";
  const QueuedTask& task = queue->second;
  return absl::StrFormat("Slurm %s %s%s", task.job, task.state,
                         task.reason.empty() || task.reason == "None" ? ""
                                                                      : " (" + task.reason + ")");
}

// One cell's line: what its folder and the queue say, the folder first.
Row cell_row(const Grid& grid, const GridCell& cell, const Registry& registry,
             const std::map<std::string, QueuedTask>& queued) {
  const fs::path dir = cell_dir(grid, cell);
  Row row{"", cell.label, ""};
  std::string state_error;
  CellState state = CellState::kMissing;
  try {
    state = cell_state(grid, cell, registry);
  } catch (const std::exception& e) {
    state_error = e.what();
  }
  const auto queue = queued.find(cell.id);
  if (!state_error.empty()) {
    row.state = "foreign";
    row.detail = state_error;
  } else if (state == CellState::kDone) {
    row.state = "done";
  } else if (auto writer = run_folder_writer(dir.string())) {
    row.state = "running";
    row.detail = *writer;
  } else if (queue != queued.end() && queue->second.state == "RUNNING") {
    row.state = "running";
  } else if (queue != queued.end()) {
    row.state = "pending";
  } else if (fs::exists(dir / kCellErrorFile)) {
    row.state = "failed";
    row.detail = failure_of(dir / kCellErrorFile);
    const std::string log = slurm_task_log(grid, cell.id);
    row.detail += "; log " + (log.empty() ? (dir / "train.log").string() : log);
  } else if (state == CellState::kInterrupted) {
    row.state = "interrupted";
    row.detail = "resumes from its checkpoint";
  } else if (state == CellState::kNeedsEvaluation) {
    row.state = "needs evaluation";
  } else {
    row.state = "missing";
  }
  if (const std::string slurm = queue_text(queued, cell); !slurm.empty()) {
    row.detail += (row.detail.empty() ? "" : "; ") + slurm;
  }
  return row;
}

}  // namespace

void print_comparison_status(const Grid& grid, const Registry& registry,
                             const std::string& compare_command, std::ostream& out) {
  std::string problem;
  const std::map<std::string, QueuedTask> queued = queued_cells(grid, &problem);
  std::vector<Row> rows;
  std::map<std::string, int> counts;
  for (const GridCell& cell : grid.cells) {
    rows.push_back(cell_row(grid, cell, registry, queued));
    ++counts[rows.back().state];
  }
  std::vector<std::string> summary;
  for (const char* state : {"done", "running", "pending", "failed", "interrupted",
                            "needs evaluation", "missing", "foreign"}) {
    if (counts.count(state)) summary.push_back(absl::StrFormat("%d %s", counts[state], state));
  }
  out << grid.path << ": " << grid.cells.size() << " cells: " << absl::StrJoin(summary, ", ")
      << "\n";
  if (!problem.empty()) out << "  (" << problem << ")\n";
  for (const Row& row : rows) {
    out << absl::StrFormat("  %-16s %s%s\n", row.state, row.label,
                           row.detail.empty() ? "" : "  " + row.detail);
  }
  if (counts["done"] == static_cast<int>(grid.cells.size())) {
    out << "every cell is done: '" << compare_command << "' writes the report\n";
  } else if (counts["running"] + counts["pending"] == 0) {
    out << "'" << compare_command
        << "' runs what is left here; add '--executor slurm' to submit it to Slurm\n";
  }
}

}  // namespace neuroreg
