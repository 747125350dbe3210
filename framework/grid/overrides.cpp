#include "grid/overrides.h"

#include <absl/status/statusor.h>
#include <absl/strings/str_join.h>

#include <algorithm>

#include "grid/compare_section.h"
#include "grid/grid.h"

namespace neuroreg {
namespace {

// Splits on commas outside brackets and quotes.
std::vector<std::string> split_top_level(const std::string& text) {
  std::vector<std::string> parts(1);
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[') {
      ++depth;
    } else if (c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      parts.emplace_back();
      continue;
    }
    parts.back() += c;
  }
  return parts;
}

// A value as TOML reads it; a bare word is a string, and a bracketed list of
// bare words a list of strings.
void append_value(const std::string& text, toml::array& into) {
  try {
    toml::table parsed = toml::parse(std::string("v = ") + text);
    into.push_back(*parsed.get("v"));
    return;
  } catch (const toml::parse_error&) {
  }
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    toml::array list;
    for (const std::string& item : split_top_level(text.substr(1, text.size() - 2))) {
      if (!item.empty()) append_value(item, list);
    }
    into.push_back(std::move(list));
    return;
  }
  into.push_back(text);
}

std::string origin_of(const std::string& arg) { return "override '" + arg + "'"; }

// The comma-separated values after the '=' of `arg`; `how` says how to write
// one when a value is empty.
absl::StatusOr<toml::array> override_values(const std::string& arg, const std::string& how) {
  toml::array values;
  for (const std::string& item : split_top_level(arg.substr(arg.find('=') + 1))) {
    if (item.empty()) return absl::InvalidArgumentError(origin_of(arg) + ": empty value " + how);
    append_value(item, values);
  }
  return values;
}

absl::Status parse_override(const std::string& arg, Axis& axis) {
  axis.origin = origin_of(arg);
  if (absl::Status s = parse_axis_path(arg.substr(0, arg.find('=')), axis.origin, axis); !s.ok())
    return s;
  auto values = override_values(arg, "(write key=v or key=v1,v2)");
  if (!values.ok()) return values.status();
  axis.values = *std::move(values);
  return absl::OkStatus();
}

// A "compare.KEY=value" override into the [compare] table: one value, a
// declared key (the table is checked as a whole later).
absl::Status apply_compare_override(const std::string& arg, toml::table& compare) {
  const std::string key = arg.substr(8, arg.find('=') - 8);  // past "compare."
  bool known = false;
  std::vector<std::string> keys;
  for (const sdk::OptionSpec& spec : compare_section_options()) {
    known = known || spec.name == key;
    keys.push_back(spec.name);
  }
  if (!known) {
    return absl::InvalidArgumentError(origin_of(arg) + ": unknown key '" + key +
                                      "' in [compare]; keys: " + absl::StrJoin(keys, ", "));
  }
  auto values = override_values(arg, "(write compare." + key + "=v)");
  if (!values.ok()) return values.status();
  if (values->size() != 1) {
    return absl::InvalidArgumentError(origin_of(arg) + ": [compare] " + key +
                                      " takes one value; a comparison has one baseline (run "
                                      "another comparison for another)");
  }
  compare.insert_or_assign(key, *values->get(0));
  return absl::OkStatus();
}

}  // namespace

bool is_override(const std::string& arg) {
  return arg.find('=') != std::string::npos && arg.rfind("-", 0) != 0;
}

absl::Status merge_overrides(const std::vector<std::string>& overrides, std::vector<Axis>& axes,
                             toml::table& compare) {
  for (const std::string& arg : overrides) {
    if (arg.rfind("compare.", 0) == 0) {
      if (absl::Status s = apply_compare_override(arg, compare); !s.ok()) return s;
      continue;
    }
    Axis axis;
    if (absl::Status s = parse_override(arg, axis); !s.ok()) return s;
    axes.erase(std::remove_if(axes.begin(), axes.end(),
                              [&](const Axis& a) { return a.path == axis.path; }),
               axes.end());
    axes.push_back(std::move(axis));
  }
  return absl::OkStatus();
}

}  // namespace neuroreg
