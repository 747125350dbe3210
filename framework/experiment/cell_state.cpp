#include "experiment/cell_state.h"

#include <filesystem>
#include <optional>
#include <stdexcept>

#include "experiment/run_folder.h"
#include "experiment/run_robustness.h"
#include "record/record_io.h"
#include "robustness/eval_config.h"
#include "robustness/robustness_report.h"

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

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

}  // namespace neuroreg
