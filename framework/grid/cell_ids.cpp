#include "grid/cell_ids.h"

#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>

#include <cctype>
#include <cstdint>

namespace neuroreg {

// The [eval] section is left out, so a changed evaluation re-evaluates the
// trained model instead of training it again.
std::string identity_toml(const RunConfig& config) {
  RunConfig trained = config;
  auto drop = [](sdk::Options& options, std::initializer_list<const char*> keys) {
    std::map<std::string, sdk::OptionValue> values = options.values();
    for (const char* k : keys) values.erase(k);
    options = sdk::Options(std::move(values));
  };
  // How many processes train a model changes only how its steps are computed
  // (like device and threads); a run may resume under another world size.
  drop(trained.run, {"name", "output_dir", "device", "threads", "plugin_paths", "distributed",
                     "distributed_timeout"});
  drop(trained.train, {"log_every"});
  const std::string text = trained.effective_toml();
  const size_t eval = text.find("[eval]\n");
  return eval == std::string::npos
             ? text
             : text.substr(0, eval) + text.substr(text.find("\n\n", eval) + 2);
}

std::string short_hash(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return absl::StrFormat("%08x", static_cast<uint32_t>(h ^ (h >> 32)));
}

std::string value_text(const toml::node& node) {
  std::string text;
  if (auto v = node.value_exact<int64_t>()) {
    text = std::to_string(*v);
  } else if (auto d = node.value_exact<double>()) {
    text = absl::StrFormat("%g", *d);
  } else if (auto b = node.value_exact<bool>()) {
    text = *b ? "true" : "false";
  } else if (auto s = node.value_exact<std::string>()) {
    text = *s;
  } else if (const toml::array* a = node.as_array()) {
    std::vector<std::string> items;
    for (const toml::node& item : *a) items.push_back(value_text(item));
    text = absl::StrJoin(items, "+");
  }
  for (char& c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '+' && c != '-') c = '_';
  }
  return text;
}

std::map<std::string, std::string> short_names(const std::vector<const Axis*>& varying) {
  std::map<std::string, int> uses;
  for (const Axis* a : varying) ++uses[a->key];
  std::map<std::string, std::string> names;
  for (const Axis* a : varying) {
    names[a->path] =
        uses[a->key] > 1 ? (a->selector.empty() ? a->section : a->selector) + "_" + a->key : a->key;
  }
  return names;
}

std::string folder_name_problem(const std::string& name) {
  constexpr size_t kMaxBytes = 200;  // file systems allow 255; leave room for suffixes
  if (name.empty()) return "it is empty";
  if (name.size() > kMaxBytes) {
    return "it is " + std::to_string(name.size()) + " bytes long (at most " +
           std::to_string(kMaxBytes) + ")";
  }
  if (name == "." || name == ".." || name.front() == '.') return "it starts with '.'";
  for (char c : name) {
    if (c == '/' || c == '\\') return "it contains '" + std::string(1, c) + "'";
    if (static_cast<unsigned char>(c) < 0x20) return "it contains a control character";
  }
  return "";
}

}  // namespace neuroreg
