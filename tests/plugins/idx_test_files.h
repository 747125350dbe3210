// Writes small IDX files for the reader and dataset tests, byte by byte as
// the format specifies, so the tests do not depend on the reader under test.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuroreg::testing {

/// Big-endian magic and sizes, then `data` (sizes need not match the data,
/// so tests can write broken files).
inline std::string idx_bytes(uint32_t magic, const std::vector<uint32_t>& sizes,
                             const std::vector<uint8_t>& data) {
  std::string bytes;
  auto put32 = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes += static_cast<char>((v >> shift) & 0xFF);
  };
  put32(magic);
  for (uint32_t size : sizes) put32(size);
  bytes.append(data.begin(), data.end());
  return bytes;
}

/// Writes `bytes` to `path`, gzip-compressed when `gzip` is set.
inline void write_bytes(const std::string& path, const std::string& bytes, bool gzip) {
  if (gzip) {
    gzFile file = gzopen(path.c_str(), "wb");
    if (!file) throw std::runtime_error("cannot write " + path);
    const int wrote = gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(file);
    if (wrote != static_cast<int>(bytes.size())) throw std::runtime_error("short gzwrite");
  } else {
    std::ofstream(path, std::ios::binary).write(bytes.data(), bytes.size());
  }
}

}  // namespace neuroreg::testing
