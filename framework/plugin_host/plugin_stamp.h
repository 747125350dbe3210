// The stamp a plugin carries: what it was compiled against.
//
// NEUROREG_PLUGIN writes "neuroreg-plugin;sdk=5;torch=1.13.0;cxx11_abi=1;
// libstdcxx=20230528" into the library's .neuroreg_stamp section. The host
// reads it from the file before loading the library and compares it with what
// the host itself was compiled against: the SDK's classes, LibTorch's and the
// C++ library's types all cross the plugin boundary, so any difference there
// would load and then crash.
#pragma once

#include <absl/status/status.h>

#include <map>
#include <string>

namespace neuroreg {

/// A stamp's keys and values ("sdk" → "4", ...).
using PluginStamp = std::map<std::string, std::string>;

/// What this host was compiled against, in the same form.
const PluginStamp& host_stamp();

/// Reads the stamp of the library at `path` (without loading it). Errors: not
/// a shared library, no stamp (not a NeuroReg plugin, or one built before SDK
/// 4), or a stamp that is not "neuroreg-plugin;key=value;...".
absl::Status read_plugin_stamp(const std::string& path, PluginStamp& stamp);

/// OK when a plugin with `stamp` can run in this host; otherwise an error
/// naming `path`, what differs and what to do.
absl::Status check_plugin_stamp(const std::string& path, const PluginStamp& stamp);

}  // namespace neuroreg
