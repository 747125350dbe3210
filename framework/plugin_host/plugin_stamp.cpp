#include "plugin_host/plugin_stamp.h"

#include <absl/strings/str_split.h>
#include <neuroreg/sdk/plugin.h>

#include <vector>

#include "plugin_host/elf_file.h"

namespace neuroreg {

namespace {

constexpr const char* kStampMagic = "neuroreg-plugin";

bool parse_stamp(std::string text, PluginStamp& stamp) {
  // The section holds the C string with its terminator.
  while (!text.empty() && text.back() == '\0') text.pop_back();
  std::vector<std::string> fields = absl::StrSplit(text, ';');
  if (fields.empty() || fields[0] != kStampMagic) return false;
  stamp.clear();
  for (size_t i = 1; i < fields.size(); ++i) {
    const size_t eq = fields[i].find('=');
    if (eq == std::string::npos || eq == 0) return false;
    stamp[fields[i].substr(0, eq)] = fields[i].substr(eq + 1);
  }
  return stamp.count("sdk") == 1;
}

// What each key means to a user, and what to do about a mismatch.
std::string describe(const std::string& key) {
  if (key == "sdk") return "NeuroReg SDK version";
  if (key == "torch") return "LibTorch version";
  if (key == "cxx11_abi") return "C++ string ABI (_GLIBCXX_USE_CXX11_ABI)";
  if (key == "libstdcxx") return "C++ library (libstdc++ release)";
  return key;
}

}  // namespace

const PluginStamp& host_stamp() {
  static const PluginStamp stamp = [] {
    PluginStamp s;
    parse_stamp(NEUROREG_PLUGIN_STAMP, s);
    return s;
  }();
  return stamp;
}

absl::Status read_plugin_stamp(const std::string& path, PluginStamp& stamp) {
  absl::StatusOr<std::optional<std::string>> section =
      read_elf_section(path, sdk::kPluginStampSection);
  if (!section.ok()) return section.status();
  if (!section->has_value()) {
    return absl::InvalidArgumentError(
        path + ": not a NeuroReg plugin (no " + sdk::kPluginStampSection +
        " section: not built with NEUROREG_PLUGIN, or built against an SDK older than "
        "version 4; rebuild it against this SDK)");
  }
  if (!parse_stamp(**section, stamp)) {
    return absl::InvalidArgumentError(path + ": damaged plugin stamp (section " +
                                      sdk::kPluginStampSection +
                                      " is not 'neuroreg-plugin;sdk=N;...')");
  }
  return absl::OkStatus();
}

absl::Status check_plugin_stamp(const std::string& path, const PluginStamp& stamp) {
  for (const auto& [key, host_value] : host_stamp()) {
    auto it = stamp.find(key);
    const std::string value = it == stamp.end() ? "(not stamped)" : it->second;
    if (value == host_value) continue;
    // libstdc++ is backward compatible: a plugin built against an older
    // release runs on the host's newer one, not the other way round.
    if (key == "libstdcxx" && !value.empty() && value.size() == host_value.size() &&
        value.find_first_not_of("0123456789") == std::string::npos && value < host_value) {
      continue;
    }
    if (key == "sdk") {
      return absl::FailedPreconditionError(path + ": built against NeuroReg SDK version " + value +
                                           ", but this host has SDK version " + host_value +
                                           "; rebuild the plugin against this SDK");
    }
    return absl::FailedPreconditionError(path + ": built against " + describe(key) + " " + value +
                                         ", but this host uses " + host_value +
                                         "; rebuild the plugin with the compiler and LibTorch "
                                         "this host was built with");
  }
  return absl::OkStatus();
}

}  // namespace neuroreg
