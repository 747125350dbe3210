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
  specs_.push_back({std::move(name), type, std::move(fallback), std::move(help)});
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
