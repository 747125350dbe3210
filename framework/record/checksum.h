// A checksum that travels inside a protobuf record.
//
// The record's last field holds the CRC-32 of every byte before it, written
// as a fixed32 field after the rest of the message. Protobuf readers see an
// ordinary field (other tools read the file unchanged); NeuroReg recomputes
// the CRC when it reads the file, so a changed or truncated byte is reported
// instead of shown as a changed value.
#pragma once

#include <absl/status/status.h>

#include <cstdint>
#include <string>

namespace neuroreg {

/// The CRC-32 (zlib's) of `length` bytes continued from `crc` (0 to start):
/// crc32_update(crc32_update(0, a, n), b, m) is the CRC of a followed by b.
uint32_t crc32_update(uint32_t crc, const void* bytes, size_t length);

/// `message_bytes` (a serialised message without the checksum field) with
/// field `field` (fixed32) appended: the CRC-32 of `message_bytes`.
std::string append_checksum(std::string message_bytes, int field);

/// OK when `file_bytes` ends with field `field` holding the CRC-32 of every
/// byte before it; otherwise an error naming `path`.
absl::Status verify_checksum(const std::string& path, const std::string& file_bytes, int field);

/// Reads a whole file; throws std::runtime_error naming it when it cannot.
std::string read_file_bytes(const std::string& path);

}  // namespace neuroreg
