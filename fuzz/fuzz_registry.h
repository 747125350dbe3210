// The built-in plugins, loaded once per fuzzing process through the real
// loader, for the harnesses of readers that resolve component names.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "plugin_host/plugin_loader.h"

#ifndef NEUROREG_FUZZ_PLUGIN_DIR
#error "NEUROREG_FUZZ_PLUGIN_DIR must name the build's plugin folder"
#endif

namespace neuroreg::fuzz {

struct Plugins {
  Registry* registry;
  PluginLoader* loader;
};

/// The registry and its loader; they live as long as the loaded plugins:
/// forever. A plugin that fails to load stops the process (a harness without
/// its components would test nothing).
inline Plugins builtin_plugins() {
  static const Plugins plugins = [] {
    auto* registry = new Registry();
    auto* loader = new PluginLoader(*registry);
    const auto errors = loader->load_directory(NEUROREG_FUZZ_PLUGIN_DIR);
    for (const absl::Status& error : errors) {
      std::fprintf(stderr, "built-in plugin failed to load: %s\n",
                   std::string(error.message()).c_str());
    }
    if (!errors.empty()) std::abort();
    return Plugins{registry, loader};
  }();
  return plugins;
}

}  // namespace neuroreg::fuzz
