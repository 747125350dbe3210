// What names a grid cell: the parts of its label, the identity its id hashes,
// and whether a name can be a folder. A cell's id (label + "-" + short_hash
// of its identity) is its run folder, so it must stay the same exactly as
// long as what the cell trains does.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "grid/axis.h"

namespace neuroreg {

/// The effective config less the keys that cannot change what is trained
/// ([run] name, output_dir, device, threads, plugin_paths; [train]
/// log_every; the whole [eval] section): two runs with the same identity
/// train the same model.
std::string identity_toml(const RunConfig& config);

/// 8 hex digits of the 64-bit FNV-1a hash of `text`.
std::string short_hash(const std::string& text);

/// A value as it appears in a label: 8, 0.5, cifar10, stem+group1 (list
/// items joined by '+'; characters other than letters, digits, '.', '+' and
/// '-' become '_').
std::string value_text(const toml::node& node);

/// The names of `varying` axes in labels, by path: the key, or
/// SECTION_KEY (SELECTOR_KEY for a selected [[regularizer]]) where two axes
/// share a key.
std::map<std::string, std::string> short_names(const std::vector<const Axis*>& varying);

/// Why `name` cannot be one folder inside another ("" when it can): run names
/// and cell ids become folders under output_dir, and must stay there.
std::string folder_name_problem(const std::string& name);

}  // namespace neuroreg
