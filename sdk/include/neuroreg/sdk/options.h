// Declared options and their resolved values.
//
// A component declares its config keys once, as a list of OptionSpec. The host
// uses that one declaration to validate TOML strictly, to print the schema
// (`neuroreg plugins`), and to fill defaults into the recorded config. The
// component then reads its resolved values from an Options object, which
// speaks only std types: TOML never crosses the plugin boundary.
//
//   sdk::OptionList opts;
//   opts.add_int("width", 64, "channels of the first group").at_least(1);
//   opts.add_float("p", 0.5, "drop probability").between(0, 1);
//   opts.add_string("label", "fine", "which labels").one_of({"fine", "coarse"});
//   opts.add_string_list("taps", {"1", "5"}, "feature taps, by name or number").non_empty();
//   ...
//
// The constraints after an add_* apply to that option (to every element of a
// list). The host checks every value against them where the config is read,
// naming file:line:col, so a component never sees a value outside its
// declaration and needs no checks of its own for them.
//   int64_t width = options.get_int("width");
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// The value types a config key can have.
enum class OptionType { kBool, kInt, kFloat, kString, kIntList, kFloatList, kStringList };

/// Human name of a type, as used in error messages ("an integer", ...).
NEUROREG_SDK_API std::string describe(OptionType type);

using OptionValue = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>,
                                 std::vector<double>, std::vector<std::string>>;

/// The type an OptionValue holds.
NEUROREG_SDK_API OptionType type_of(const OptionValue& value);

/// Renders a value as TOML would write it (`0.1`, `"pixel"`, `[1, 5]`).
NEUROREG_SDK_API std::string to_toml_text(const OptionValue& value);

/// What a string option names on disk, checked to exist when non-empty.
enum class PathKind { kNone, kFile, kFolder };

/// One declared config key. No default means the key is required.
struct NEUROREG_SDK_API OptionSpec {
  std::string name;
  OptionType type = OptionType::kString;
  std::optional<OptionValue> default_value;
  std::string help;

  // Constraints (numbers and number lists: each value; strings: each string).
  std::optional<double> minimum;  ///< value >= minimum (> when minimum_exclusive)
  bool minimum_exclusive = false;
  std::optional<double> maximum;  ///< value <= maximum (< when maximum_exclusive)
  bool maximum_exclusive = false;
  bool zero_allowed = false;          ///< 0 passes whatever the range says ("0 = default")
  std::vector<std::string> allowed;   ///< strings: one of these
  std::vector<int64_t> allowed_ints;  ///< integers: one of these
  bool non_empty = false;             ///< strings and lists: at least one character / item
  PathKind path = PathKind::kNone;    ///< strings: an existing file or folder, when non-empty
};

/// The constraints of a spec in words ("at least 1", "in [0, 1)", "one of
/// \"a\", \"b\"", ...); "" when it has none.
NEUROREG_SDK_API std::string describe_constraints(const OptionSpec& spec);

/// What is wrong with `value` for `spec` ("must be at least 1, got 0"), or ""
/// when it satisfies the declaration. Checks the type, range, allowed values
/// and emptiness; not paths (those depend on the working directory: the host
/// checks them).
NEUROREG_SDK_API std::string option_problem(const OptionSpec& spec, const OptionValue& value);

/// A chainable builder for a component's option declarations.
class NEUROREG_SDK_API OptionList {
 public:
  OptionList& add_bool(std::string name, bool fallback, std::string help);
  OptionList& add_int(std::string name, int64_t fallback, std::string help);
  OptionList& add_float(std::string name, double fallback, std::string help);
  OptionList& add_string(std::string name, std::string fallback, std::string help);
  OptionList& add_int_list(std::string name, std::vector<int64_t> fallback, std::string help);
  OptionList& add_float_list(std::string name, std::vector<double> fallback, std::string help);
  OptionList& add_string_list(std::string name, std::vector<std::string> fallback,
                              std::string help);
  /// A key with no default: a config that omits it is an error.
  OptionList& add_required(std::string name, OptionType type, std::string help);

  // Constraints on the option added last.
  OptionList& at_least(double minimum);                 ///< value >= minimum
  OptionList& above(double minimum);                    ///< value > minimum
  OptionList& at_most(double maximum);                  ///< value <= maximum
  OptionList& below(double maximum);                    ///< value < maximum
  OptionList& between(double minimum, double maximum);  ///< inclusive
  OptionList& or_zero();  ///< 0 is also accepted (a "0 = default" key)
  OptionList& one_of(std::vector<std::string> allowed);
  OptionList& one_of_ints(std::vector<int64_t> allowed);
  OptionList& non_empty();
  OptionList& existing_file();    ///< a non-empty value names a file that exists
  OptionList& existing_folder();  ///< a non-empty value names a folder that exists

  const std::vector<OptionSpec>& specs() const { return specs_; }
  operator const std::vector<OptionSpec>&() const { return specs_; }  // NOLINT

 private:
  OptionList& add(std::string name, OptionType type, std::optional<OptionValue> fallback,
                  std::string help);
  OptionSpec& last(const char* constraint);
  std::vector<OptionSpec> specs_;
};

/// Resolved values of one component's options (defaults already filled in).
/// Getters throw std::invalid_argument naming the key when it is absent or of
/// another type, which is a bug in the component, not in the user's config.
class NEUROREG_SDK_API Options {
 public:
  Options() = default;
  explicit Options(std::map<std::string, OptionValue> values) : values_(std::move(values)) {}

  bool has(const std::string& key) const { return values_.count(key) != 0; }
  bool get_bool(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  const std::vector<int64_t>& get_int_list(const std::string& key) const;
  const std::vector<double>& get_float_list(const std::string& key) const;
  const std::vector<std::string>& get_string_list(const std::string& key) const;

  void set(const std::string& key, OptionValue value) { values_[key] = std::move(value); }
  const std::map<std::string, OptionValue>& values() const { return values_; }

 private:
  template <typename T>
  const T& get(const std::string& key, OptionType expected) const;
  std::map<std::string, OptionValue> values_;
};

}  // namespace neuroreg::sdk
