// One axis of a grid: the key it sets (of one section, or of one
// [[regularizer]] when a label selects it), the values it takes, and where it
// was written, for messages. Axes come from a config's [grid] table (here) and
// from command-line overrides (grid/overrides.h); load_grid (grid/grid.h)
// validates and expands them.
#pragma once

#include <absl/status/status.h>
#include <toml++/toml.h>

#include <string>
#include <vector>

namespace neuroreg {

/// A key of one section and the values it takes.
struct Axis {
  std::string path;                    ///< normalised: "run.seed", "regularizer[pixel].alpha"
  std::string section, selector, key;  ///< "regularizer", "pixel", "alpha"
  std::string origin;  ///< "FILE:L:C: [grid] 'path'" or "override 'arg'", for messages
  toml::array values;
};

/// Splits `written`, "section[selector].key" or the alias "seed", into
/// `axis`'s path, section, selector and key. Errors begin with `origin` and
/// say what a path should have been.
absl::Status parse_axis_path(const std::string& written, const std::string& origin, Axis& axis);

/// The axes of a [grid] table, in file order. TOML dotted keys
/// (train.epochs = [...]) arrive as nested tables, quoted ones
/// ("regularizer[pixel].alpha") as one key; every path must hold a non-empty
/// list. Errors name `file`, line and column.
absl::Status read_grid_table(const toml::table& table, const std::string& file,
                             std::vector<Axis>& axes);

/// A [[regularizer]] entry's label: its `label`, else its plugin's name.
std::string regularizer_label(const toml::table& entry);

/// Whether `axis` sets a key of the [[regularizer]] labelled `label` (an axis
/// of another section sets it in every cell).
bool applies_to(const Axis& axis, const std::string& label);

/// Sets `axis = value` in the config table `root`; a [[regularizer]] axis
/// sets it in each entry of root's [[regularizer]] array that it selects.
void assign(toml::table& root, const Axis& axis, const toml::node& value);

}  // namespace neuroreg
