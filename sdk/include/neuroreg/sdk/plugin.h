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
// The macro also writes a stamp into the library's ".neuroreg_stamp" section:
// the SDK version, the LibTorch version and the C++ library ABI the plugin was
// compiled against. The host reads it from the file, before the library is
// loaded, and refuses a mismatch before any plugin code (even a static
// constructor) runs. The entry's PluginInfo repeats the SDK version as a
// second check. Libraries are never unloaded while the host runs, so objects a
// plugin creates never outlive its code.
#pragma once

#include <torch/version.h>

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

/// The ELF section that holds the stamp.
inline constexpr const char* kPluginStampSection = ".neuroreg_stamp";

}  // namespace neuroreg::sdk

#define NEUROREG_STAMP_TEXT_(x) #x
#define NEUROREG_STAMP_TEXT(x) NEUROREG_STAMP_TEXT_(x)

/// What this translation unit is compiled against, as "key=value;..." text:
/// the host compares a plugin's stamp with its own, key by key.
#define NEUROREG_PLUGIN_STAMP                                  \
  "neuroreg-plugin;sdk=" NEUROREG_STAMP_TEXT(                  \
      NEUROREG_SDK_VERSION) ";torch=" TORCH_VERSION            \
                            ";cxx11_abi=" NEUROREG_STAMP_TEXT( \
                                _GLIBCXX_USE_CXX11_ABI) ";libstdcxx=" NEUROREG_STAMP_TEXT(__GLIBCXX__)

/// Defines and exports the plugin entry. Use once per plugin library.
#define NEUROREG_PLUGIN(NAME, VERSION, REGISTER_FN)                                             \
  extern "C" NEUROREG_SDK_API const ::neuroreg::sdk::PluginInfo* neuroreg_plugin_entry_impl() { \
    static const ::neuroreg::sdk::PluginInfo info{NEUROREG_SDK_VERSION, NAME, VERSION,          \
                                                  REGISTER_FN};                                 \
    return &info;                                                                               \
  }                                                                                             \
  BOOST_DLL_ALIAS(neuroreg_plugin_entry_impl, neuroreg_plugin)                                  \
  extern "C" __attribute__((section(".neuroreg_stamp"), used, visibility("hidden")))            \
  const char neuroreg_plugin_stamp[] = NEUROREG_PLUGIN_STAMP;
