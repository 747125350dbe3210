// Verifying a LibTorch archive (checkpoint.pt, model.pt) before it is used.
//
// LibTorch writes a zip archive with a CRC-32 per entry but does not check
// them when it reads one, so a flipped byte in a tensor would resume silently
// into another model. This reads the zip's central directory (bounds-checked,
// zip64 included) and recomputes every entry's CRC (inflating the deflated
// entries TorchScript archives hold).
#pragma once

#include <absl/status/status.h>

#include <string>

namespace neuroreg {

/// OK when `path` is a zip archive whose every entry matches its CRC-32;
/// otherwise an error naming the file and the first damaged entry.
absl::Status verify_zip_archive(const std::string& path);

}  // namespace neuroreg
