#include "neuroreg/sdk/zip_archive.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <vector>

namespace neuroreg::sdk {

namespace {

constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kCentralEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;

class Reader {
 public:
  explicit Reader(const std::string& path) : in_(path, std::ios::binary) {
    if (in_) {
      in_.seekg(0, std::ios::end);
      size_ = static_cast<uint64_t>(in_.tellg());
    }
  }
  bool is_open() const { return static_cast<bool>(in_); }
  uint64_t size() const { return size_; }
  bool read(uint64_t offset, uint64_t bytes, std::string& out) {
    if (offset > size_ || bytes > size_ - offset) return false;
    out.resize(bytes);
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset));
    return static_cast<bool>(in_.read(out.data(), static_cast<std::streamsize>(bytes)));
  }
  // CRC-32 of the `plain_size` bytes that [offset, offset + bytes) holds:
  // stored as they are (method 0) or deflated (method 8, TorchScript code).
  bool crc(uint64_t offset, uint64_t bytes, int method, uint64_t plain_size, uint32_t& out) {
    if (offset > size_ || bytes > size_ - offset) return false;
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset));
    std::vector<char> buffer(1 << 20), plain(method == 8 ? 1 << 20 : 0);
    uLong value = crc32(0L, Z_NULL, 0);
    z_stream z{};
    if (method == 8 && inflateInit2(&z, -MAX_WBITS) != Z_OK) return false;
    uint64_t produced = 0;
    bool ok = true;
    while (ok && bytes > 0) {
      const uint64_t piece = std::min<uint64_t>(bytes, buffer.size());
      if (!in_.read(buffer.data(), static_cast<std::streamsize>(piece))) {
        ok = false;
        break;
      }
      bytes -= piece;
      if (method == 0) {
        value =
            crc32(value, reinterpret_cast<const Bytef*>(buffer.data()), static_cast<uInt>(piece));
        produced += piece;
        continue;
      }
      z.next_in = reinterpret_cast<Bytef*>(buffer.data());
      z.avail_in = static_cast<uInt>(piece);
      while (z.avail_in > 0) {
        z.next_out = reinterpret_cast<Bytef*>(plain.data());
        z.avail_out = static_cast<uInt>(plain.size());
        const int result = inflate(&z, Z_NO_FLUSH);
        if (result != Z_OK && result != Z_STREAM_END) {
          ok = false;
          break;
        }
        const uInt got = static_cast<uInt>(plain.size()) - z.avail_out;
        value = crc32(value, reinterpret_cast<const Bytef*>(plain.data()), got);
        produced += got;
        if (result == Z_STREAM_END) break;
      }
    }
    if (method == 8) inflateEnd(&z);
    out = static_cast<uint32_t>(value);
    return ok && produced == plain_size;
  }

 private:
  std::ifstream in_;
  uint64_t size_ = 0;
};

uint64_t le(const std::string& bytes, size_t at, int width) {
  uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + static_cast<size_t>(i)]);
  }
  return value;
}

}  // namespace

std::string zip_archive_problem(const std::string& path) {
  Reader file(path);
  if (!file.is_open()) return path + ": cannot open";
  auto damaged = [&](const std::string& what) { return path + ": damaged archive (" + what + ")"; };
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
  const uint64_t tail_size = std::min<uint64_t>(file.size(), 65557);
  std::string tail;
  if (!file.read(file.size() - tail_size, tail_size, tail) || tail_size < 22) {
    return damaged("too short to be a zip archive");
  }
  int64_t eocd = -1;
  for (int64_t i = static_cast<int64_t>(tail_size) - 22; i >= 0; --i) {
    if (le(tail, static_cast<size_t>(i), 4) == kEndOfCentralDirectory) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return damaged("no zip directory at its end: cut short?");
  const size_t e = static_cast<size_t>(eocd);
  uint64_t entries = le(tail, e + 10, 2);
  uint64_t directory_size = le(tail, e + 12, 4);
  uint64_t directory_offset = le(tail, e + 16, 4);
  if (entries == 0xffff || directory_size == 0xffffffff || directory_offset == 0xffffffff) {
    // zip64: a locator just before the record points at the zip64 record.
    const uint64_t eocd_offset = file.size() - tail_size + e;
    std::string locator, record;
    if (eocd_offset < 20 || !file.read(eocd_offset - 20, 20, locator) ||
        le(locator, 0, 4) != kZip64Locator || !file.read(le(locator, 8, 8), 56, record) ||
        le(record, 0, 4) != kZip64End) {
      return damaged("broken zip64 directory record");
    }
    entries = le(record, 32, 8);
    directory_size = le(record, 40, 8);
    directory_offset = le(record, 48, 8);
  }
  std::string directory;
  if (!file.read(directory_offset, directory_size, directory)) {
    return damaged("the zip directory lies outside the file");
  }
  size_t at = 0;
  for (uint64_t n = 0; n < entries; ++n) {
    if (at + 46 > directory.size() || le(directory, at, 4) != kCentralEntry) {
      return damaged("zip directory entry " + std::to_string(n) + " is broken");
    }
    const uint64_t method = le(directory, at + 10, 2);
    const uint32_t crc = static_cast<uint32_t>(le(directory, at + 16, 4));
    uint64_t stored_size = le(directory, at + 20, 4);
    uint64_t plain_size = le(directory, at + 24, 4);
    const size_t name_length = le(directory, at + 28, 2);
    const size_t extra_length = le(directory, at + 30, 2);
    const size_t comment_length = le(directory, at + 32, 2);
    uint64_t local_offset = le(directory, at + 42, 4);
    if (at + 46 + name_length + extra_length + comment_length > directory.size()) {
      return damaged("zip directory entry " + std::to_string(n) + " is broken");
    }
    const std::string name = directory.substr(at + 46, name_length);
    // zip64 sizes and offset, in this order, for the fields that overflowed.
    for (size_t x = at + 46 + name_length; x + 4 <= at + 46 + name_length + extra_length;) {
      const uint64_t id = le(directory, x, 2), length = le(directory, x + 2, 2);
      if (x + 4 + length > at + 46 + name_length + extra_length) break;
      if (id == 0x0001) {
        size_t field = x + 4;
        for (uint64_t* value : {&plain_size, &stored_size, &local_offset}) {
          if (*value == 0xffffffff && field + 8 <= x + 4 + length) {
            *value = le(directory, field, 8);
            field += 8;
          }
        }
      }
      x += 4 + length;
    }
    if (method != 0 && method != 8) {
      return damaged("entry " + name + " uses compression method " + std::to_string(method) +
                     ", which LibTorch never writes");
    }
    std::string local;
    if (!file.read(local_offset, 30, local) || le(local, 0, 4) != kLocalHeader) {
      return damaged("entry " + name + " has no local header");
    }
    const uint64_t data = local_offset + 30 + le(local, 26, 2) + le(local, 28, 2);
    uint32_t actual = 0;
    if ((method == 0 && stored_size != plain_size) ||
        !file.crc(data, stored_size, static_cast<int>(method), plain_size, actual)) {
      return damaged("entry " + name + " lies outside the file or does not inflate");
    }
    if (actual != crc) return damaged("entry " + name + " does not match its CRC-32");
    at += 46 + name_length + extra_length + comment_length;
  }
  return "";
}

}  // namespace neuroreg::sdk
