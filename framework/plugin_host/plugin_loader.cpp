#include "plugin_host/plugin_loader.h"

#include <neuroreg/sdk/plugin.h>

#include <algorithm>
#include <boost/dll/library_info.hpp>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <exception>
#include <filesystem>

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

// Libraries are kept here, never destroyed: unloading a plugin while any
// object it made is alive would leave dangling vtables.
std::vector<boost::dll::shared_library>& resident_libraries() {
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  return *libraries;
}

bool has_entry_point(const std::string& path, std::string& why) {
  try {
    boost::dll::library_info info(path);
    std::vector<std::string> symbols = info.symbols("boostdll");
    return std::find(symbols.begin(), symbols.end(), sdk::kPluginEntryName) != symbols.end();
  } catch (const std::exception& e) {
    why = e.what();
    return false;
  }
}

}  // namespace

absl::Status PluginLoader::load_file(const std::string& path) {
  std::error_code ec;
  const std::string canonical = fs::weakly_canonical(path, ec).string();
  for (const LoadedPlugin& plugin : loaded_) {
    if (plugin.path == canonical) return absl::OkStatus();
  }
  if (!fs::is_regular_file(canonical)) {
    return absl::NotFoundError(path + ": no such plugin file");
  }
  // Look for the entry before dlopen, so a foreign library's static
  // initializers never run.
  std::string why;
  if (!has_entry_point(canonical, why)) {
    return absl::InvalidArgumentError(path + ": not a NeuroReg plugin (no '" +
                                      sdk::kPluginEntryName + "' entry point" +
                                      (why.empty() ? "" : ": " + why) + ")");
  }
  boost::dll::shared_library library;
  try {
    // Resolve every symbol now so a missing one fails here, not mid-run.
    library.load(canonical, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(path + ": cannot load: " + e.what());
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
  registry_.set_current_source(canonical);
  try {
    info->register_components(registry_);
  } catch (const std::exception& e) {
    registry_.set_current_source("<builtin>");
    return absl::InvalidArgumentError(path + ": registration failed: " + e.what());
  } catch (...) {
    registry_.set_current_source("<builtin>");
    return absl::InvalidArgumentError(path + ": registration failed with an unknown exception");
  }
  registry_.set_current_source("<builtin>");
  loaded_.push_back({canonical, name, info->version ? info->version : ""});
  return absl::OkStatus();
}

std::vector<absl::Status> PluginLoader::load_directory(const std::string& dir) {
  registry_.add_searched_folder(dir);
  std::vector<absl::Status> errors;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    errors.push_back(absl::NotFoundError(dir + ": plugin folder does not exist"));
    return errors;
  }
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".so") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    absl::Status status = load_file(file);
    if (!status.ok()) errors.push_back(status);
  }
  return errors;
}

std::vector<std::string> default_plugin_dirs() {
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
      if (end > start) dirs.push_back(paths.substr(start, end - start));
      start = end + 1;
    }
  }
  return dirs;
}

}  // namespace neuroreg
