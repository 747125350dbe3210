#include "cli/command.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_join.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <exception>

#include "config/run_config.h"

namespace neuroreg {
namespace {

// Whether all of `text` is a whole number in least..most, as std::stoi reads it.
bool whole_number_in(const std::string& text, int64_t least, int64_t most) {
  try {
    size_t used = 0;
    const int n = std::stoi(text, &used);
    return used == text.size() && n >= least && n <= most;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

void Flags::add(const std::string& flag, const std::string& value) {
  values_[flag].push_back(value);
  given_.push_back(flag);
}

bool Flags::has(const std::string& flag) const { return values_.count(flag) > 0; }

std::string Flags::text(const std::string& flag, const std::string& fallback) const {
  auto it = values_.find(flag);
  return it == values_.end() ? fallback : it->second.back();
}

int Flags::number(const std::string& flag, int fallback) const {
  return has(flag) ? std::stoi(text(flag)) : fallback;
}

std::vector<std::string> Flags::every(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

ValueRule word(const std::string& needs) {
  return [needs](const std::string& flag, const std::string* value) -> std::string {
    return value ? "" : flag + " needs " + needs;
  };
}

ValueRule nonempty_word() {
  return [](const std::string& flag, const std::string* value) -> std::string {
    return value && !value->empty() ? "" : flag + " needs a value";
  };
}

ValueRule one_of(const std::vector<std::string>& choices) {
  const std::string needs =
      absl::StrJoin(choices.begin(), choices.end() - 1, ", ") + " or " + choices.back();
  return [choices, needs](const std::string& flag, const std::string* value) -> std::string {
    const bool known = value && std::count(choices.begin(), choices.end(), *value) > 0;
    return known ? "" : flag + " needs " + needs;
  };
}

ValueRule whole_number(int least) {
  return [least](const std::string& flag, const std::string* value) -> std::string {
    if (!value) return flag + " needs a number";
    if (whole_number_in(*value, least, INT_MAX)) return "";
    return flag + " needs a whole number >= " + std::to_string(least) + ", got '" + *value + "'";
  };
}

ValueRule thread_count() {
  return [](const std::string& flag, const std::string* value) -> std::string {
    if (!value) return flag + " needs a number";
    if (whole_number_in(*value, 0, max_threads())) return "";
    const std::string most = std::to_string(max_threads());
    return flag + " needs a whole number in 0.." + most + " (0 = all cores; this machine has " +
           most + "), got '" + *value + "'";
  };
}

ValueRule sbatch_count() {
  return [](const std::string& flag, const std::string* value) -> std::string {
    int n = 0;
    if (value && absl::SimpleAtoi(*value, &n) && n >= 1) return "";
    return flag + " needs a whole number >= 1, got '" + (value ? *value : "") + "'";
  };
}

ValueRule sbatch_option() {
  return [](const std::string& flag, const std::string* value) -> std::string {
    if (!value) return flag + " needs an sbatch option";
    if (value->rfind("-", 0) == 0 && value->find('\n') == std::string::npos) return "";
    return flag + " needs one sbatch option starting with '-' (e.g. --sbatch-arg=--mem=8G), got '" +
           *value + "'";
  };
}

ValueRule removed(const std::string& message) {
  return [message](const std::string&, const std::string*) { return message; };
}

Command::Command(std::string command_name, Handler handler)
    : name(std::move(command_name)), run(handler) {}

Command& Command::describe(const std::string& synopsis, const std::string& description) {
  usages.push_back({synopsis, description});
  return *this;
}

Command& Command::takes(const std::vector<std::string>& more_flags) {
  flags.insert(flags.end(), more_flags.begin(), more_flags.end());
  return *this;
}

Command& Command::operands(size_t least, size_t most) {
  least_operands = least;
  most_operands = most;
  return *this;
}

Command& Command::without_plugins() {
  loads_plugins = false;
  return *this;
}

Command& Command::with_assignments() {
  takes_assignments = true;
  return *this;
}

Command& Command::hint(const std::string& flag, const std::string& text) {
  hints[flag] = text;
  return *this;
}

Command& Command::checks(std::string (*flag_check)(const Flags&)) {
  check = flag_check;
  return *this;
}

void print_warnings(const std::vector<std::string>& warnings, std::ostream& err) {
  for (const std::string& warning : warnings) err << "neuroreg: warning: " << warning << "\n";
}

int report_error(const absl::Status& status, std::ostream& err) {
  err << "neuroreg: error: " << status.message() << "\n";
  return 1;
}

}  // namespace neuroreg
