// Strict resolution of a TOML table against declared options.
//
// TOML++ accepts anything; this is where a config meets its schema. Every
// error names the file, line and column, the key, and what was expected.
#pragma once

#include <absl/status/statusor.h>
#include <neuroreg/sdk/options.h>
#include <toml++/toml.h>

#include <string>
#include <vector>

namespace neuroreg {

/// "file:line:col: " for a node's position ("file: " when it has none).
std::string position(const std::string& file, const toml::source_region& source);

/// Whether options declared as existing files or folders are checked on disk.
/// A run record's config names paths as they were when the run started;
/// reading it back (eval, export) must not need them still.
enum class PathCheck { kCheck, kSkip };

/// Checks `table` against `specs` (types, then each declared constraint) and
/// fills in the defaults. `section` names
/// the table in messages, e.g. "[train]" or "[[regularizer]] #2".
/// Unknown keys, wrong types and missing required keys are errors.
absl::StatusOr<sdk::Options> resolve_options(const toml::table& table,
                                             const std::vector<sdk::OptionSpec>& specs,
                                             const std::string& file, const std::string& section,
                                             PathCheck paths = PathCheck::kCheck);

/// Parses a TOML file; a syntax error reports its line and column.
absl::StatusOr<toml::table> parse_toml_file(const std::string& path);

}  // namespace neuroreg
