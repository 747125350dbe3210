// Writing files so that readers never see half of one. Host and plugins
// both write results, so this lives in the SDK.
#pragma once

#include <functional>
#include <string>

#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// Writes `bytes` to `path` via a temporary file in the same folder and a
/// rename, creating parent folders. Throws std::runtime_error naming the path.
NEUROREG_SDK_API void write_file_atomically(const std::string& path, const std::string& bytes);

/// Calls `write(tmp_path)` to produce the file under a temporary name, then
/// renames it to `path`; on failure the temporary file is removed.
NEUROREG_SDK_API void write_atomically_with(
    const std::string& path, const std::function<void(const std::string& tmp_path)>& write);

/// Calls `fill(tmp_dir)` to produce a whole folder under a temporary name
/// beside `dir`, then swaps it into place (an older `dir` is removed only once
/// the new one is complete); on failure the temporary folder is removed.
NEUROREG_SDK_API void write_folder_atomically(
    const std::string& dir, const std::function<void(const std::string& tmp_dir)>& fill);

}  // namespace neuroreg::sdk
