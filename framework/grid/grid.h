// A comparison grid: the [[regularizer]] entries of a config (the comparison
// axis) × the value lists of its [grid] table and of command-line overrides ×
// seeds (the replicate axis). Each cell is one training run with exactly one
// regularizer, validated like any config, and a stable id derived from what
// it computes.
//
//   [grid]
//   seed = [0, 1, 2]                       # alias of run.seed
//   "regularizer[pixel].alpha" = [2, 8]    # one [[regularizer]], by label
//   train.epochs = [3, 4]                  # any section key; TOML dotted keys work
//
// Overrides from the command line take the same paths: `train.epochs=3` sets
// a value, `run.seed=0,1,2` makes an axis (replacing a [grid] axis of the same
// path).
#pragma once

#include <absl/status/statusor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/run_config.h"
#include "grid/cell_ids.h"  // identity_toml and short_hash, which callers reach through here
#include "report/differences.h"

namespace neuroreg {

/// One cell of a grid.
struct GridCell {
  int index = 0;      ///< position in the grid (seed-major), 0-based
  std::string label;  ///< readable: regularizer label, varying axes, seed ("pixel-alpha8-seed3")
  std::string group;  ///< the label without the seed: what is aggregated over seeds
  std::string id;     ///< label + "-" + 8 hex digits of the identity's hash: the folder name
  /// The grid coordinates that vary, (path, value text), with run.seed last.
  std::vector<std::pair<std::string, std::string>> axes;
  int64_t seed = 0;
  RunConfig config;      ///< exactly one [[regularizer]]
  std::string identity;  ///< identity_toml(config): what the id hashes
};

struct Grid {
  std::string path;                     ///< the config file
  std::string run_dir;                  ///< output_dir/name: the comparison folder
  std::vector<std::string> axis_paths;  ///< paths with more than one value, sorted; run.seed last
  std::vector<GridCell> cells;
  /// From [compare] (grid/compare_section.h): the group the others are
  /// compared with, or why there is none. No part of any cell's identity.
  Baseline baseline;
};

/// Reads a config with optional [grid] and [compare] tables, applies
/// `overrides` ("path=value" or "path=v1,v2,..."; "compare.KEY=value" sets
/// a [compare] key), and expands and validates every cell.
/// Errors name the file, line and column of the [grid] key, or the override,
/// and what the path or value should have been. `paths` = kSkip reads a grid
/// whose input files (targets, weights) are not there yet.
absl::StatusOr<Grid> load_grid(const std::string& path, const std::vector<std::string>& overrides,
                               PluginLoader& loader, const Registry& registry,
                               std::vector<std::string>* warnings = nullptr,
                               PathCheck paths = PathCheck::kCheck);

/// True for a command-line word that is an override ("key=value").
bool is_override(const std::string& arg);

}  // namespace neuroreg
