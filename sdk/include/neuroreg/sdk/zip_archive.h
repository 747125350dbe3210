// Verifying a LibTorch archive (checkpoint.pt, model.pt, a torchvision
// state dict) before LibTorch reads it.
//
// LibTorch writes a zip archive with a CRC-32 per entry but does not check
// them when it reads one, so a flipped byte in a tensor would resume silently
// into another model; and LibTorch 1.13 allocates whatever size a record
// declares (a 1 KB file can ask for gigabytes) and leaks when its reader
// refuses a malformed archive. This reads the zip's central directory (bounds-checked,
// zip64 included) and recomputes every entry's CRC (inflating the deflated
// entries TorchScript archives hold).
#pragma once

#include <string>

#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// "" when `path` is a zip archive whose every entry lies inside the file
/// and matches its CRC-32; otherwise what is wrong, naming the file and the
/// first damaged entry.
NEUROREG_SDK_API std::string zip_archive_problem(const std::string& path);

}  // namespace neuroreg::sdk
