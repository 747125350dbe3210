// One finished cell of a comparison grid, as the reports see it: where it sits
// in the grid and what its records say. Records stay the source of truth;
// everything a report shows is computed from these.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "neuroreg/robustness_record.pb.h"
#include "neuroreg/run_record.pb.h"

namespace neuroreg {

struct CellResult {
  /// Stable id and folder name: readable label + short hash of the effective
  /// config, e.g. "pixel-alpha8-seed3-1a2b3c4d".
  std::string id;
  /// The readable label alone, e.g. "pixel-alpha8-seed3".
  std::string label;
  /// The comparison group: the label without the replicate (seed) axis, e.g.
  /// "pixel-alpha8". Cells of one group are aggregated over seeds.
  std::string group;
  /// The cell's [[regularizer]] label, e.g. "pixel": what a comparison's
  /// baseline names. Empty when unknown; then the plugin name stands in.
  std::string regularizer_label;
  /// The cell's grid coordinates in grid order, as (dotted path, value text),
  /// e.g. {("regularizer", "pixel"), ("regularizer.alpha", "8"), ("run.seed", "3")}.
  std::vector<std::pair<std::string, std::string>> axes;
  int64_t seed = 0;
  record::RunRecord run;                           ///< holds the effective config
  std::vector<record::RobustnessRecord> robustness;  ///< 0 or 1 evaluations
};

}  // namespace neuroreg
