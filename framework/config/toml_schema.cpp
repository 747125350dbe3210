#include "config/toml_schema.h"

#include <cmath>
#include <filesystem>

namespace neuroreg {
namespace {

using sdk::OptionType;
using sdk::OptionValue;

std::string describe_node(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

// A number key takes integers too (alpha = 20); nothing else converts.
std::optional<OptionValue> scalar(const toml::node& node, OptionType type) {
  switch (type) {
    case OptionType::kBool:
      if (auto v = node.value_exact<bool>()) return OptionValue(*v);
      break;
    case OptionType::kInt:
      if (auto v = node.value_exact<int64_t>()) return OptionValue(*v);
      break;
    case OptionType::kFloat:
      if (auto v = node.value_exact<double>()) return OptionValue(*v);
      if (auto v = node.value_exact<int64_t>()) return OptionValue(static_cast<double>(*v));
      break;
    case OptionType::kString:
      if (auto v = node.value_exact<std::string>()) return OptionValue(*v);
      break;
    default:
      break;
  }
  return std::nullopt;
}

OptionType element_type(OptionType list) {
  switch (list) {
    case OptionType::kIntList:
      return OptionType::kInt;
    case OptionType::kFloatList:
      return OptionType::kFloat;
    default:
      return OptionType::kString;
  }
}

std::optional<OptionValue> convert(const toml::node& node, OptionType type) {
  if (type != OptionType::kIntList && type != OptionType::kFloatList &&
      type != OptionType::kStringList) {
    return scalar(node, type);
  }
  const toml::array* array = node.as_array();
  if (!array) return std::nullopt;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;
  for (const toml::node& item : *array) {
    auto value = scalar(item, element_type(type));
    if (!value) return std::nullopt;
    if (type == OptionType::kIntList) ints.push_back(std::get<int64_t>(*value));
    if (type == OptionType::kFloatList) floats.push_back(std::get<double>(*value));
    if (type == OptionType::kStringList) strings.push_back(std::get<std::string>(*value));
  }
  if (type == OptionType::kIntList) return OptionValue(ints);
  if (type == OptionType::kFloatList) return OptionValue(floats);
  return OptionValue(strings);
}

// Relative paths are relative to the working directory, as the components
// that open them read them.
std::string path_problem(const sdk::OptionSpec& spec, const OptionValue& value) {
  const std::string* path = std::get_if<std::string>(&value);
  if (spec.path == sdk::PathKind::kNone || !path || path->empty()) return "";
  std::error_code ec;
  const bool file = spec.path == sdk::PathKind::kFile;
  if (file ? std::filesystem::is_regular_file(*path, ec)
           : std::filesystem::is_directory(*path, ec)) {
    return "";
  }
  const bool exists = std::filesystem::exists(*path, ec);
  return "must name an existing " + std::string(file ? "file" : "folder") + ", got \"" + *path +
         "\" (" + (exists ? "not a " + std::string(file ? "file" : "folder") : "no such path") +
         (std::filesystem::path(*path).is_relative()
              ? ", relative to " + std::filesystem::current_path(ec).string()
              : "") +
         ")";
}

}  // namespace

std::string position(const std::string& file, const toml::source_region& source) {
  if (source.begin.line == 0) return file + ": ";
  return file + ":" + std::to_string(source.begin.line) + ":" +
         std::to_string(source.begin.column) + ": ";
}

absl::StatusOr<sdk::Options> resolve_options(const toml::table& table,
                                             const std::vector<sdk::OptionSpec>& specs,
                                             const std::string& file, const std::string& section,
                                             PathCheck paths) {
  sdk::Options options;
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    const sdk::OptionSpec* spec = nullptr;
    for (const sdk::OptionSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (!spec) {
      std::string expected;
      for (const sdk::OptionSpec& s : specs) expected += (expected.empty() ? "" : ", ") + s.name;
      return absl::InvalidArgumentError(
          position(file, key.source()) + section + " unknown key '" + name +
          "'; expected one of: " + (expected.empty() ? "(no keys)" : expected));
    }
    auto value = convert(node, spec->type);
    if (!value) {
      return absl::InvalidArgumentError(position(file, node.source()) + section + " key '" + name +
                                        "' must be " + sdk::describe(spec->type) + ", got " +
                                        describe_node(node) +
                                        (node.is_array() ? " of other types" : ""));
    }
    // TOML has nan and inf; no key means them (option_problem refuses them).
    std::string problem = sdk::option_problem(*spec, *value);
    if (problem.empty() && paths == PathCheck::kCheck) problem = path_problem(*spec, *value);
    if (!problem.empty()) {
      return absl::InvalidArgumentError(position(file, node.source()) + section + " key '" + name +
                                        "' " + problem);
    }
    options.set(name, std::move(*value));
  }
  for (const sdk::OptionSpec& spec : specs) {
    if (options.has(spec.name)) continue;
    if (!spec.default_value) {
      return absl::InvalidArgumentError(position(file, table.source()) + section +
                                        " missing required key '" + spec.name + "' (" +
                                        sdk::describe(spec.type) + ": " + spec.help + ")");
    }
    options.set(spec.name, *spec.default_value);
  }
  return options;
}

absl::StatusOr<toml::table> parse_toml_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(path + ": no such config file");
  }
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(position(path, e.source()) +
                                      "TOML syntax error: " + std::string(e.description()));
  }
}

}  // namespace neuroreg
