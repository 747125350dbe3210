#include "grid/axis.h"

#include <algorithm>
#include <iterator>

#include "config/toml_schema.h"

namespace neuroreg {
namespace {

constexpr const char* kSections[] = {"run", "dataset", "backbone", "train", "eval", "regularizer"};

absl::Status read_table(const toml::table& table, const std::string& prefix,
                        const std::string& file, std::vector<Axis>& axes) {
  for (const auto& [key, node] : table) {
    const std::string path = prefix + std::string(key.str());
    const std::string origin = position(file, key.source()) + "[grid] '" + path + "'";
    if (const toml::table* inner = node.as_table()) {
      if (absl::Status s = read_table(*inner, path + ".", file, axes); !s.ok()) return s;
      continue;
    }
    const toml::array* values = node.as_array();
    if (!values || values->empty()) {
      return absl::InvalidArgumentError(origin +
                                        " must be a non-empty list of values, e.g. [1, 2]");
    }
    Axis axis;
    if (absl::Status s = parse_axis_path(path, origin, axis); !s.ok()) return s;
    axis.origin = origin;
    axis.values = *values;
    axes.push_back(std::move(axis));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status parse_axis_path(const std::string& written, const std::string& origin, Axis& axis) {
  const std::string path = written == "seed" ? "run.seed" : written;
  const size_t dot = path.rfind('.');
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(
        origin + ": " + why +
        "; a path is SECTION.KEY (sections: run, dataset, backbone, train, eval, "
        "regularizer; regularizer[LABEL].KEY for one [[regularizer]]), or 'seed'");
  };
  if (dot == std::string::npos || dot == 0 || dot + 1 == path.size()) {
    return bad("'" + written + "' is not a path");
  }
  std::string head = path.substr(0, dot);
  axis.key = path.substr(dot + 1);
  if (const size_t open = head.find('['); open != std::string::npos) {
    if (head.back() != ']' || open + 2 > head.size() - 1)
      return bad("bad selector in '" + written + "'");
    axis.selector = head.substr(open + 1, head.size() - open - 2);
    head = head.substr(0, open);
    if (head != "regularizer") return bad("only [[regularizer]] entries are selected by label");
  }
  if (std::find(std::begin(kSections), std::end(kSections), head) == std::end(kSections)) {
    return bad("unknown section '" + head + "' in '" + written + "'");
  }
  if (head.find('.') != std::string::npos || axis.key.find('[') != std::string::npos) {
    return bad("'" + written + "' has too many parts");
  }
  // A label names cells, folders and selectors; changing it per cell would
  // leave cells named after the old one.
  if (head == "regularizer" && axis.key == "label") {
    return absl::InvalidArgumentError(
        origin +
        ": a [[regularizer]]'s label names its cells and cannot be set from "
        "a grid or the command line; change it in the config file");
  }
  axis.section = head;
  axis.path = path;
  return absl::OkStatus();
}

absl::Status read_grid_table(const toml::table& table, const std::string& file,
                             std::vector<Axis>& axes) {
  return read_table(table, "", file, axes);
}

std::string regularizer_label(const toml::table& entry) {
  if (auto label = entry["label"].value_exact<std::string>(); label && !label->empty())
    return *label;
  return entry["name"].value_exact<std::string>().value_or("?");
}

bool applies_to(const Axis& axis, const std::string& label) {
  return axis.section != "regularizer" || axis.selector.empty() || axis.selector == label;
}

void assign(toml::table& root, const Axis& axis, const toml::node& value) {
  if (axis.section == "regularizer") {
    for (toml::node& entry : *root["regularizer"].as_array()) {
      toml::table& t = *entry.as_table();
      if (axis.selector.empty() || regularizer_label(t) == axis.selector) {
        t.insert_or_assign(axis.key, value);
      }
    }
    return;
  }
  if (!root[axis.section].is_table()) root.insert_or_assign(axis.section, toml::table{});
  root[axis.section].as_table()->insert_or_assign(axis.key, value);
}

}  // namespace neuroreg
