// The [compare] section of a grid config: how a comparison is reported.
//
//   [compare]
//   baseline = "none"   # the [[regularizer]] label every other group is compared with
//
// It trains and evaluates nothing, so it is no part of any cell's identity
// (load_grid takes it out before the cells are built, as it does [grid]):
// changing it rewrites the report and nothing else. Overrides set it too:
// `compare.baseline=pixel`.
#pragma once

#include <absl/status/statusor.h>
#include <neuroreg/sdk/options.h>
#include <toml++/toml.h>

#include <string>
#include <utility>
#include <vector>

#include "report/differences.h"

namespace neuroreg {

/// The keys [compare] takes.
std::vector<sdk::OptionSpec> compare_section_options();

/// The baseline of a [compare] table (overrides already applied): its
/// `baseline`, which must be one of `regularizers` (label, plugin name) or
/// one of the grid's `groups` (a label with its [[regularizer]] axes, e.g.
/// "neural_model-alpha2" in an α sweep: the other α are then compared with
/// that one), or by default the one `none` (default_baseline). Unknown keys
/// and a value that is neither are errors naming file:line:col, the value
/// and the labels and groups there are.
absl::StatusOr<Baseline> resolve_compare_section(
    const toml::table& table, const std::string& file,
    const std::vector<std::pair<std::string, std::string>>& regularizers,
    const std::vector<std::string>& groups);

/// The file a comparison folder keeps its [compare] settings in, for
/// `neuroreg show`.
inline constexpr const char* kCompareSettingsFile = "compare.toml";

/// compare.toml's text for `baseline`.
std::string compare_settings_toml(const Baseline& baseline);

/// The baseline a comparison folder was reported with: its compare.toml, or
/// (a folder written before it had one) the default over `cells`.
Baseline read_compare_settings(const std::string& dir, const std::vector<CellResult>& cells);

}  // namespace neuroreg
