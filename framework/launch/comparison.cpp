#include "launch/comparison.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <neuroreg/sdk/atomic_file.h>
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "experiment/run_robustness.h"
#include "grid/compare_section.h"
#include "launch/child_process_launcher.h"
#include "launch/in_process_launcher.h"
#include "record/record_io.h"
#include "report/comparison_report.h"
#include "report/group_tables.h"
#include "robustness/robustness_report.h"
#include "runtime/stop_signals.h"

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

// The groups' table (printed and in comparison.txt), the [compare] settings
// it was made with, and the report with its figures.
void write_reports(const Grid& grid, const std::vector<CellResult>& cells, std::ostream& out) {
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
  std::unique_ptr<Launcher> launcher;
  if (options.jobs > 1 && todo.size() > 1) {
    launcher = std::make_unique<ChildProcessLauncher>(options, progress);
  } else {
    launcher = std::make_unique<InProcessLauncher>(registry, loader, options.overrides, progress,
                                                   options.parallel);
  }
  const std::vector<std::string> failures = launcher->launch(grid, todo);
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
  write_reports(grid, cells, out);
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
