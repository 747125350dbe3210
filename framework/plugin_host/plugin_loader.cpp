#include "plugin_host/plugin_loader.h"

#include <neuroreg/sdk/plugin.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <exception>
#include <filesystem>

#include "plugin_host/load_probe.h"
#include "plugin_host/plugin_trust.h"

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

// Libraries are kept here, never destroyed: unloading a plugin while any
// object it made is alive would leave dangling vtables.
std::vector<boost::dll::shared_library>& resident_libraries() {
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  return *libraries;
}

}  // namespace

bool PluginLoader::is_loaded(const std::string& canonical) const {
  return std::any_of(loaded_.begin(), loaded_.end(),
                     [&](const LoadedPlugin& p) { return p.path == canonical; });
}

absl::Status PluginLoader::check(const std::string& path, Candidate& candidate) const {
  absl::StatusOr<std::string> file = trusted_plugin_file(path);
  if (!file.ok()) return file.status();
  candidate.given = path;
  candidate.plugin.path = *file;
  std::error_code ec;
  if (fs::is_symlink(path, ec)) candidate.plugin.linked_as = fs::absolute(path, ec).string();
  if (absl::Status s = read_plugin_stamp(path, candidate.plugin.stamp); !s.ok()) return s;
  return check_plugin_stamp(path, candidate.plugin.stamp);
}

absl::Status PluginLoader::load_checked(Candidate candidate) {
  const std::string& path = candidate.given;
  const std::string& canonical = candidate.plugin.path;
  boost::dll::shared_library library;
  try {
    // Resolve every symbol now so a missing one fails here, not mid-run.
    library.load(canonical, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(path + ": cannot load: " + e.what());
  }
  if (!library.has(sdk::kPluginEntryName)) {
    return absl::InvalidArgumentError(path + ": not a NeuroReg plugin (no '" +
                                      sdk::kPluginEntryName + "' entry point)");
  }
  const sdk::PluginInfo* info = nullptr;
  try {
    info = library.get_alias<sdk::PluginEntry>(sdk::kPluginEntryName)();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(path + ": cannot call entry point: " + e.what());
  }
  resident_libraries().push_back(library);
  if (info == nullptr) return absl::InvalidArgumentError(path + ": entry point returned null");
  if (info->sdk_version != NEUROREG_SDK_VERSION) {
    return absl::FailedPreconditionError(
        path + ": built against NeuroReg SDK version " + std::to_string(info->sdk_version) +
        ", but this host has SDK version " + std::to_string(NEUROREG_SDK_VERSION) +
        "; rebuild the plugin against this SDK");
  }
  const std::string name = info->name ? info->name : "";
  if (name.empty() || info->register_components == nullptr) {
    return absl::InvalidArgumentError(
        path + ": broken entry point (" +
        (name.empty() ? "no plugin name" : "no registration function") + ")");
  }
  Registry staged;
  staged.set_current_source(canonical);
  try {
    info->register_components(staged);
    registry_.merge(std::move(staged));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(path + ": registration failed: " + e.what());
  } catch (...) {
    return absl::InvalidArgumentError(path + ": registration failed with an unknown exception");
  }
  candidate.plugin.name = name;
  candidate.plugin.version = info->version ? info->version : "";
  loaded_.push_back(std::move(candidate.plugin));
  return absl::OkStatus();
}

std::vector<absl::Status> PluginLoader::load_all(const std::vector<std::string>& files) {
  std::vector<absl::Status> errors;
  for (const std::string& file : files) {
    Candidate candidate;
    absl::Status status = check(file, candidate);
    if (status.ok() && is_loaded(candidate.plugin.path)) continue;
    if (status.ok()) {
      if (std::string crash = probe_plugin_file(candidate.plugin.path); !crash.empty()) {
        status = absl::FailedPreconditionError(
            file + ": " + crash +
            " in a separate test process; not loaded (the file is damaged or its static "
            "initialisation fails)");
      }
    }
    if (status.ok()) status = load_checked(std::move(candidate));
    if (!status.ok()) errors.push_back(status);
  }
  return errors;
}

absl::Status PluginLoader::load_file(const std::string& path) {
  std::vector<absl::Status> errors = load_all({path});
  return errors.empty() ? absl::OkStatus() : errors.front();
}

std::vector<absl::Status> PluginLoader::load_directory(const std::string& dir) {
  registry_.add_searched_folder(dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return {absl::NotFoundError(dir + ": plugin folder does not exist")};
  }
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    // Symlinks are listed too: the trust check resolves and reports them.
    if ((entry.is_regular_file(ec) || entry.is_symlink(ec)) && entry.path().extension() == ".so") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return load_all(files);
}

std::vector<std::string> default_plugin_dirs(std::vector<std::string>& warnings) {
  std::vector<std::string> dirs;
  std::error_code ec;
  fs::path exe = boost::dll::program_location(ec);
  if (!ec) dirs.push_back((exe.parent_path().parent_path() / NEUROREG_PLUGIN_SUBDIR).string());
  if (const char* env = std::getenv("NEUROREG_PLUGIN_PATH")) {
    std::string paths = env;
    size_t start = 0;
    while (start <= paths.size()) {
      size_t end = paths.find(':', start);
      if (end == std::string::npos) end = paths.size();
      const std::string entry = paths.substr(start, end - start);
      if (!entry.empty() && entry.front() != '/') {
        warnings.push_back("NEUROREG_PLUGIN_PATH entry '" + entry +
                           "' is relative and is not searched (the current folder is never "
                           "searched implicitly); give an absolute path");
      } else if (!entry.empty()) {
        dirs.push_back(entry);
      }
      start = end + 1;
    }
  }
  return dirs;
}

}  // namespace neuroreg
