#include "neuroreg/sdk/options.h"

#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace neuroreg::sdk {
namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The shortest text, at 6 or more significant digits, that reads back as
// exactly `v` (6 first: the effective config of a cell is hashed into its id,
// and existing ids must not change for values that always printed exactly).
std::string number_text(double v) {
  std::string text;
  for (int digits = 6; digits <= 17; ++digits) {
    std::ostringstream os;
    os << std::setprecision(digits) << v;
    text = os.str();
    if (!std::isfinite(v) || std::strtod(text.c_str(), nullptr) == v) break;
  }
  // TOML needs a float to look like one.
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

template <typename T, typename F>
std::string list_text(const std::vector<T>& items, F render) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + render(items[i]);
  return out + "]";
}

}  // namespace

std::string describe(OptionType type) {
  switch (type) {
    case OptionType::kBool:
      return "a boolean";
    case OptionType::kInt:
      return "an integer";
    case OptionType::kFloat:
      return "a number";
    case OptionType::kString:
      return "a string";
    case OptionType::kIntList:
      return "an array of integers";
    case OptionType::kFloatList:
      return "an array of numbers";
    case OptionType::kStringList:
      return "an array of strings";
  }
  return "?";
}

OptionType type_of(const OptionValue& value) { return static_cast<OptionType>(value.index()); }

std::string to_toml_text(const OptionValue& value) {
  switch (type_of(value)) {
    case OptionType::kBool:
      return std::get<bool>(value) ? "true" : "false";
    case OptionType::kInt:
      return std::to_string(std::get<int64_t>(value));
    case OptionType::kFloat:
      return number_text(std::get<double>(value));
    case OptionType::kString:
      return quote(std::get<std::string>(value));
    case OptionType::kIntList:
      return list_text(std::get<std::vector<int64_t>>(value),
                       [](int64_t v) { return std::to_string(v); });
    case OptionType::kFloatList:
      return list_text(std::get<std::vector<double>>(value), number_text);
    case OptionType::kStringList:
      return list_text(std::get<std::vector<std::string>>(value), quote);
  }
  return "";
}

OptionList& OptionList::add(std::string name, OptionType type, std::optional<OptionValue> fallback,
                            std::string help) {
  for (const auto& spec : specs_) {
    if (spec.name == name) throw std::invalid_argument("option '" + name + "' declared twice");
  }
  OptionSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.default_value = std::move(fallback);
  spec.help = std::move(help);
  specs_.push_back(std::move(spec));
  return *this;
}

OptionList& OptionList::add_bool(std::string name, bool fallback, std::string help) {
  return add(std::move(name), OptionType::kBool, OptionValue(fallback), std::move(help));
}
OptionList& OptionList::add_int(std::string name, int64_t fallback, std::string help) {
  return add(std::move(name), OptionType::kInt, OptionValue(fallback), std::move(help));
}
OptionList& OptionList::add_float(std::string name, double fallback, std::string help) {
  return add(std::move(name), OptionType::kFloat, OptionValue(fallback), std::move(help));
}
OptionList& OptionList::add_string(std::string name, std::string fallback, std::string help) {
  return add(std::move(name), OptionType::kString, OptionValue(std::move(fallback)),
             std::move(help));
}
OptionList& OptionList::add_int_list(std::string name, std::vector<int64_t> fallback,
                                     std::string help) {
  return add(std::move(name), OptionType::kIntList, OptionValue(std::move(fallback)),
             std::move(help));
}
OptionList& OptionList::add_float_list(std::string name, std::vector<double> fallback,
                                       std::string help) {
  return add(std::move(name), OptionType::kFloatList, OptionValue(std::move(fallback)),
             std::move(help));
}
OptionList& OptionList::add_string_list(std::string name, std::vector<std::string> fallback,
                                        std::string help) {
  return add(std::move(name), OptionType::kStringList, OptionValue(std::move(fallback)),
             std::move(help));
}
OptionList& OptionList::add_required(std::string name, OptionType type, std::string help) {
  return add(std::move(name), type, std::nullopt, std::move(help));
}

OptionSpec& OptionList::last(const char* constraint) {
  if (specs_.empty()) {
    throw std::logic_error(std::string(constraint) + "() needs an option added before it");
  }
  return specs_.back();
}

OptionList& OptionList::at_least(double minimum) {
  OptionSpec& spec = last("at_least");
  spec.minimum = minimum;
  spec.minimum_exclusive = false;
  return *this;
}
OptionList& OptionList::above(double minimum) {
  OptionSpec& spec = last("above");
  spec.minimum = minimum;
  spec.minimum_exclusive = true;
  return *this;
}
OptionList& OptionList::at_most(double maximum) {
  OptionSpec& spec = last("at_most");
  spec.maximum = maximum;
  spec.maximum_exclusive = false;
  return *this;
}
OptionList& OptionList::below(double maximum) {
  OptionSpec& spec = last("below");
  spec.maximum = maximum;
  spec.maximum_exclusive = true;
  return *this;
}
OptionList& OptionList::between(double minimum, double maximum) {
  return at_least(minimum).at_most(maximum);
}
OptionList& OptionList::or_zero() {
  last("or_zero").zero_allowed = true;
  return *this;
}
OptionList& OptionList::one_of(std::vector<std::string> allowed) {
  last("one_of").allowed = std::move(allowed);
  return *this;
}
OptionList& OptionList::one_of_ints(std::vector<int64_t> allowed) {
  last("one_of_ints").allowed_ints = std::move(allowed);
  return *this;
}
OptionList& OptionList::non_empty() {
  last("non_empty").non_empty = true;
  return *this;
}
OptionList& OptionList::existing_file() {
  last("existing_file").path = PathKind::kFile;
  return *this;
}
OptionList& OptionList::existing_folder() {
  last("existing_folder").path = PathKind::kFolder;
  return *this;
}

std::string describe_constraints(const OptionSpec& spec) {
  std::vector<std::string> parts;
  const bool integer = spec.type == OptionType::kInt || spec.type == OptionType::kIntList;
  auto bound = [integer](double v) {
    return integer ? std::to_string(static_cast<int64_t>(v)) : number_text(v);
  };
  std::string range;
  if (spec.minimum && spec.maximum) {
    if (integer && !spec.minimum_exclusive && !spec.maximum_exclusive) {
      range = bound(*spec.minimum) + ".." + bound(*spec.maximum);
    } else {
      range = std::string("in ") + (spec.minimum_exclusive ? "(" : "[") + bound(*spec.minimum) +
              ", " + bound(*spec.maximum) + (spec.maximum_exclusive ? ")" : "]");
    }
  } else if (spec.minimum) {
    range = (spec.minimum_exclusive ? "above " : "at least ") + bound(*spec.minimum);
  } else if (spec.maximum) {
    range = (spec.maximum_exclusive ? "below " : "at most ") + bound(*spec.maximum);
  }
  if (!range.empty()) parts.push_back(spec.zero_allowed ? "0 or " + range : range);
  if (!spec.allowed.empty()) {
    std::string list;
    for (const std::string& a : spec.allowed) list += (list.empty() ? "" : ", ") + quote(a);
    parts.push_back("one of " + list);
  }
  if (!spec.allowed_ints.empty()) {
    std::string list;
    for (int64_t a : spec.allowed_ints) list += (list.empty() ? "" : ", ") + std::to_string(a);
    parts.push_back("one of " + list);
  }
  if (spec.non_empty) {
    const bool is_list = spec.type == OptionType::kIntList || spec.type == OptionType::kFloatList ||
                         spec.type == OptionType::kStringList;
    parts.push_back(is_list ? "at least one item" : "not empty");
  }
  if (spec.path == PathKind::kFile) parts.push_back("an existing file");
  if (spec.path == PathKind::kFolder) parts.push_back("an existing folder");
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

namespace {

bool in_range(const OptionSpec& spec, double v) {
  if (spec.zero_allowed && v == 0) return true;
  if (!spec.allowed_ints.empty()) {
    bool listed = false;
    for (int64_t a : spec.allowed_ints) listed |= static_cast<double>(a) == v;
    if (!listed) return false;
  }
  if (!std::isfinite(v)) return false;
  if (spec.minimum && (spec.minimum_exclusive ? !(v > *spec.minimum) : !(v >= *spec.minimum))) {
    return false;
  }
  if (spec.maximum && (spec.maximum_exclusive ? !(v < *spec.maximum) : !(v <= *spec.maximum))) {
    return false;
  }
  return true;
}

std::string range_problem(const OptionSpec& spec, double v, const std::string& text) {
  if (in_range(spec, v)) return "";
  return "must be " + (std::isfinite(v) ? describe_constraints(spec) : "finite") + ", got " + text;
}

std::string string_problem(const OptionSpec& spec, const std::string& s) {
  if (spec.non_empty && s.empty()) return "must not be empty";
  if (spec.allowed.empty()) return "";
  for (const std::string& a : spec.allowed) {
    if (a == s) return "";
  }
  std::string list;
  for (const std::string& a : spec.allowed) list += (list.empty() ? "" : ", ") + quote(a);
  return "must be one of " + list + ", got " + quote(s);
}

}  // namespace

std::string option_problem(const OptionSpec& spec, const OptionValue& value) {
  if (type_of(value) != spec.type) {
    return "must be " + describe(spec.type) + ", got " + describe(type_of(value));
  }
  const std::string item = "item ";
  switch (spec.type) {
    case OptionType::kBool:
      return "";
    case OptionType::kInt: {
      const int64_t v = std::get<int64_t>(value);
      return range_problem(spec, static_cast<double>(v), std::to_string(v));
    }
    case OptionType::kFloat: {
      const double v = std::get<double>(value);
      return range_problem(spec, v, number_text(v));
    }
    case OptionType::kString:
      return string_problem(spec, std::get<std::string>(value));
    case OptionType::kIntList: {
      const auto& list = std::get<std::vector<int64_t>>(value);
      if (spec.non_empty && list.empty()) return "must have at least one item";
      for (size_t i = 0; i < list.size(); ++i) {
        std::string p = range_problem(spec, static_cast<double>(list[i]), std::to_string(list[i]));
        if (!p.empty()) return item + std::to_string(i + 1) + " " + p;
      }
      return "";
    }
    case OptionType::kFloatList: {
      const auto& list = std::get<std::vector<double>>(value);
      if (spec.non_empty && list.empty()) return "must have at least one item";
      for (size_t i = 0; i < list.size(); ++i) {
        std::string p = range_problem(spec, list[i], number_text(list[i]));
        if (!p.empty()) return item + std::to_string(i + 1) + " " + p;
      }
      return "";
    }
    case OptionType::kStringList: {
      const auto& list = std::get<std::vector<std::string>>(value);
      if (spec.non_empty && list.empty()) return "must have at least one item";
      for (size_t i = 0; i < list.size(); ++i) {
        std::string p = string_problem(spec, list[i]);
        if (!p.empty()) return item + std::to_string(i + 1) + " " + p;
      }
      return "";
    }
  }
  return "";
}

template <typename T>
const T& Options::get(const std::string& key, OptionType expected) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw std::invalid_argument("option '" + key + "' is not declared");
  if (type_of(it->second) != expected) {
    throw std::invalid_argument("option '" + key + "' is " + describe(type_of(it->second)) +
                                ", not " + describe(expected));
  }
  return std::get<T>(it->second);
}

bool Options::get_bool(const std::string& key) const { return get<bool>(key, OptionType::kBool); }
int64_t Options::get_int(const std::string& key) const {
  return get<int64_t>(key, OptionType::kInt);
}
double Options::get_float(const std::string& key) const {
  return get<double>(key, OptionType::kFloat);
}
const std::string& Options::get_string(const std::string& key) const {
  return get<std::string>(key, OptionType::kString);
}
const std::vector<int64_t>& Options::get_int_list(const std::string& key) const {
  return get<std::vector<int64_t>>(key, OptionType::kIntList);
}
const std::vector<double>& Options::get_float_list(const std::string& key) const {
  return get<std::vector<double>>(key, OptionType::kFloatList);
}
const std::vector<std::string>& Options::get_string_list(const std::string& key) const {
  return get<std::vector<std::string>>(key, OptionType::kStringList);
}

}  // namespace neuroreg::sdk
