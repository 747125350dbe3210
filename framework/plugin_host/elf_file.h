// Reading one named section of an ELF shared library, without loading it.
//
// The loader checks a plugin's stamp before any of the plugin's code runs, so
// the file is parsed here rather than by the dynamic linker. Every offset and
// size in the file is bounds-checked against the file's length: a truncated
// or corrupted library is an error naming the file, never a crash.
#pragma once

#include <absl/status/statusor.h>

#include <optional>
#include <string>

namespace neuroreg {

/// The bytes of section `name` of the 64-bit little-endian ELF file at
/// `path`; nullopt when the file is a valid ELF file without that section.
/// An error for a file that is not one (or whose headers point outside it).
absl::StatusOr<std::optional<std::string>> read_elf_section(const std::string& path,
                                                            const std::string& name);

}  // namespace neuroreg
