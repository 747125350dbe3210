// Loading plugin libraries.
//
// A file is loaded only after three checks that run none of its code: the
// file and its folder are trusted (plugin_trust.h), it carries a stamp that
// matches this host (plugin_stamp.h), and it loads without crashing in a
// child process (load_probe.h). Its registration then goes into a registry of
// its own and is merged whole, so a registration that throws half-way leaves
// nothing behind. Each failure becomes its own status naming the file; the
// loader goes on with the other files. Loaded libraries stay mapped until the
// process exits, so no plugin-made object can outlive its code.
#pragma once

#include <absl/status/status.h>

#include <string>
#include <vector>

#include "plugin_host/plugin_stamp.h"
#include "plugin_host/registry.h"

namespace neuroreg {

/// One loaded plugin library.
struct LoadedPlugin {
  std::string path;       ///< the canonical file
  std::string linked_as;  ///< the symlink it was found through, or ""
  std::string name;
  std::string version;
  PluginStamp stamp;  ///< what it was compiled against
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
  struct Candidate {
    std::string given;
    LoadedPlugin plugin;
  };
  // Trust and stamp checks; nothing of the file runs.
  absl::Status check(const std::string& path, Candidate& candidate) const;
  bool is_loaded(const std::string& canonical) const;
  // Loads a checked (and probed) file and merges its registration.
  absl::Status load_checked(Candidate candidate);
  std::vector<absl::Status> load_all(const std::vector<std::string>& files);

  Registry& registry_;
  std::vector<LoadedPlugin> loaded_;
};

/// The folders searched by default: the plugin folder beside the running
/// executable (<exe>/../lib/neuroreg/plugins), then NEUROREG_PLUGIN_PATH
/// (colon-separated). A relative entry of NEUROREG_PLUGIN_PATH is not
/// searched (the current directory is never searched implicitly); each one
/// adds a line to `warnings`.
std::vector<std::string> default_plugin_dirs(std::vector<std::string>& warnings);

}  // namespace neuroreg
