// Loading plugin libraries.
//
// Each failure (cannot open, no entry point, wrong SDK version, empty
// registration, a registration that throws) becomes its own status naming the
// file; the loader goes on with the other files. Loaded libraries stay mapped
// until the process exits, so no plugin-made object can outlive its code.
#pragma once

#include <absl/status/status.h>

#include <string>
#include <vector>

#include "plugin_host/registry.h"

namespace neuroreg {

/// One loaded plugin library.
struct LoadedPlugin {
  std::string path;
  std::string name;
  std::string version;
};

class PluginLoader {
 public:
  explicit PluginLoader(Registry& registry) : registry_(registry) {}

  /// Loads one library and runs its registration. A file that was already
  /// loaded is skipped.
  absl::Status load_file(const std::string& path);

  /// Loads every *.so in a folder, in name order. Returns one status per
  /// failed file (empty when all loaded); a missing folder is one error.
  std::vector<absl::Status> load_directory(const std::string& dir);

  const std::vector<LoadedPlugin>& loaded() const { return loaded_; }

 private:
  Registry& registry_;
  std::vector<LoadedPlugin> loaded_;
};

/// The folders searched by default: the plugin folder beside the running
/// executable (<exe>/../lib/neuroreg/plugins), then NEUROREG_PLUGIN_PATH
/// (colon-separated).
std::vector<std::string> default_plugin_dirs();

}  // namespace neuroreg
