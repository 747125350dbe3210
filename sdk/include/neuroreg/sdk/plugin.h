// The plugin entry point.
//
// Every plugin library exports exactly one entry, written with the
// NEUROREG_PLUGIN macro in one of its source files:
//
//   static void register_components(neuroreg::sdk::Registrar& r) {
//     r.add_regularizer({"orthogonal", "pushes images apart", options}, make);
//   }
//   NEUROREG_PLUGIN("orthogonal", "0.1.0", register_components)
//
// The entry returns a PluginInfo whose first field is the SDK version the
// plugin was compiled against, so the host can refuse a mismatch before it
// calls anything else. Libraries are never unloaded while the host runs, so
// objects a plugin creates never outlive its code.
#pragma once

#include <boost/dll/alias.hpp>
#include <cstdint>

#include "neuroreg/sdk/registrar.h"
#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// What a plugin's entry returns. Plain data: its layout is part of the ABI
/// and sdk_version must stay the first field forever.
struct PluginInfo {
  uint32_t sdk_version;
  const char* name;
  const char* version;
  void (*register_components)(Registrar& registrar);
};

/// Signature of the exported entry.
using PluginEntry = const PluginInfo*();

/// Name under which the entry is exported (Boost.DLL section "boostdll").
inline constexpr const char* kPluginEntryName = "neuroreg_plugin";

}  // namespace neuroreg::sdk

/// Defines and exports the plugin entry. Use once per plugin library.
#define NEUROREG_PLUGIN(NAME, VERSION, REGISTER_FN)                                             \
  extern "C" NEUROREG_SDK_API const ::neuroreg::sdk::PluginInfo* neuroreg_plugin_entry_impl() { \
    static const ::neuroreg::sdk::PluginInfo info{NEUROREG_SDK_VERSION, NAME, VERSION,          \
                                                  REGISTER_FN};                                 \
    return &info;                                                                               \
  }                                                                                             \
  BOOST_DLL_ALIAS(neuroreg_plugin_entry_impl, neuroreg_plugin)
