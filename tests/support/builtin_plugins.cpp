#include "support/builtin_plugins.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "plugin_host/plugin_loader.h"

namespace neuroreg::testing {

const Registry& builtin_registry() {
  static Registry* registry = [] {
    auto* r = new Registry();  // lives as long as the loaded plugins: forever
    static PluginLoader loader(*r);
    for (const absl::Status& error : loader.load_directory(NEUROREG_PLUGIN_DIR)) {
      ADD_FAILURE() << "built-in plugin failed to load: " << error.message();
    }
    return r;
  }();
  return *registry;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "neuroreg-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) std::abort();
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace neuroreg::testing
