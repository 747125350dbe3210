#include "record/checksum.h"

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace neuroreg {

namespace {

// The tag of a fixed32 field: (field << 3) | wire type 5, as a varint.
std::string fixed32_tag(int field) {
  std::string tag;
  uint32_t value = (static_cast<uint32_t>(field) << 3) | 5u;
  while (value >= 0x80) {
    tag.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  tag.push_back(static_cast<char>(value));
  return tag;
}

uint32_t crc32_of(const std::string& bytes, size_t length) {
  return crc32_update(0, bytes.data(), length);
}

}  // namespace

uint32_t crc32_update(uint32_t crc, const void* bytes, size_t length) {
  uLong value = crc;
  const auto* data = static_cast<const Bytef*>(bytes);
  // zlib takes uInt lengths: feed large inputs in pieces.
  for (size_t done = 0; done < length;) {
    const uInt piece = static_cast<uInt>(std::min<size_t>(length - done, 1u << 30));
    value = crc32(value, data + done, piece);
    done += piece;
  }
  return static_cast<uint32_t>(value);
}

std::string append_checksum(std::string message_bytes, int field) {
  const uint32_t crc = crc32_of(message_bytes, message_bytes.size());
  message_bytes += fixed32_tag(field);
  for (int i = 0; i < 4; ++i) message_bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return message_bytes;
}

absl::Status verify_checksum(const std::string& path, const std::string& file_bytes, int field) {
  const std::string tag = fixed32_tag(field);
  const size_t trailer = tag.size() + 4;
  if (file_bytes.size() < trailer ||
      file_bytes.compare(file_bytes.size() - trailer, tag.size(), tag) != 0) {
    return absl::DataLossError(path +
                               ": the record's checksum is missing (the file was cut short or "
                               "rewritten by another tool)");
  }
  uint32_t stored = 0;
  for (int i = 0; i < 4; ++i) {
    stored |= static_cast<uint32_t>(static_cast<unsigned char>(
                  file_bytes[file_bytes.size() - 4 + static_cast<size_t>(i)]))
              << (8 * i);
  }
  if (crc32_of(file_bytes, file_bytes.size() - trailer) != stored) {
    return absl::DataLossError(path +
                               ": checksum mismatch: the file changed after it was written "
                               "(damaged on disk or edited); its values cannot be trusted");
  }
  return absl::OkStatus();
}

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace neuroreg
