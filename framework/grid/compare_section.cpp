#include "grid/compare_section.h"

#include <absl/strings/str_join.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "config/toml_schema.h"

namespace neuroreg {
namespace fs = std::filesystem;

std::vector<sdk::OptionSpec> compare_section_options() {
  return sdk::OptionList()
      .add_string("baseline", "",
                  "the [[regularizer]] label, or one group of it (e.g. neural_model-alpha2 "
                  "in an alpha sweep), every other group is compared with (paired "
                  "differences in differences.csv); \"\" = the one whose plugin is `none`")
      .specs();
}

absl::StatusOr<Baseline> resolve_compare_section(
    const toml::table& table, const std::string& file,
    const std::vector<std::pair<std::string, std::string>>& regularizers,
    const std::vector<std::string>& groups) {
  auto options = resolve_options(table, compare_section_options(), file, "[compare]");
  if (!options.ok()) return options.status();
  const std::string label = options->get_string("baseline");
  if (label.empty()) return default_baseline(regularizers);
  std::vector<std::string> labels;
  for (const auto& [l, plugin] : regularizers) {
    if (l == label) return Baseline{label, ""};
    labels.push_back(l);
  }
  std::vector<std::string> other_groups;  // groups that are more than a label
  for (const std::string& g : groups) {
    if (g == label) return Baseline{label, ""};
    if (std::find(labels.begin(), labels.end(), g) == labels.end()) other_groups.push_back(g);
  }
  // The key's position: a copied table (load_grid takes [compare] out of the
  // config) keeps its keys' positions but not its values'.
  std::string where = file + ": ";
  for (const auto& [key, value] : table) {
    if (key.str() == "baseline") where = position(file, key.source());
  }
  return absl::InvalidArgumentError(where + "[compare] baseline '" + label +
      "' is no [[regularizer]] label; labels: " + absl::StrJoin(labels, ", ") +
      (other_groups.empty() ? "" : "; groups: " + absl::StrJoin(other_groups, ", ")));
}

std::string compare_settings_toml(const Baseline& baseline) {
  std::string text =
      "# The [compare] settings this comparison is reported with; `neuroreg show` reads them.\n";
  if (baseline.label.empty()) text += "# " + baseline.reason + "\n";
  toml::table compare;
  compare.insert("baseline", baseline.label);
  toml::table root;
  root.insert("compare", std::move(compare));
  std::ostringstream out;
  out << root;
  return text + out.str() + "\n";
}

Baseline read_compare_settings(const std::string& dir, const std::vector<CellResult>& cells) {
  const fs::path path = fs::path(dir) / kCompareSettingsFile;
  if (!fs::exists(path)) return default_baseline(cells);
  auto parsed = parse_toml_file(path.string());
  if (!parsed.ok()) throw std::runtime_error(std::string(parsed.status().message()));
  const std::string label = (*parsed)["compare"]["baseline"].value_or(std::string());
  if (label.empty()) return default_baseline(cells);
  return {label, ""};
}

}  // namespace neuroreg
