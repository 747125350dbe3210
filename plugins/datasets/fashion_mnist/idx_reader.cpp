#include "idx_reader.h"

#include <torch/torch.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <vector>

namespace neuroreg::datasets {
namespace {

// Far beyond any MNIST-like file; stops a corrupt header from asking for an
// absurd allocation before the data is even read.
constexpr uint64_t kMaxDataBytes = uint64_t{1} << 32;
// How much more memory one read may ask for than the data read so far.
constexpr uint64_t kReadChunkBytes = uint64_t{64} << 20;

std::string hex(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08X", value);
  return text;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("IDX file '" + path + "': " + what);
}

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

/// Reads up to `size` bytes; returns how many were read (fewer only at the end).
uint64_t read_some(gzFile file, const std::string& path, void* into, uint64_t size) {
  auto* out = static_cast<char*>(into);
  uint64_t done = 0;
  while (done < size) {
    // gzread takes an unsigned count, so read in chunks below INT_MAX.
    const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(size - done, 1u << 30));
    const int got = gzread(file, out + done, chunk);
    if (got < 0) {
      int code = 0;
      fail(path, std::string("read error: ") + gzerror(file, &code));
    }
    if (got == 0) break;
    done += static_cast<uint64_t>(got);
  }
  return done;
}

uint32_t read_be32(gzFile file, const std::string& path, const std::string& what) {
  unsigned char bytes[4];
  const uint64_t got = read_some(file, path, bytes, 4);
  if (got != 4) {
    fail(path,
         "truncated header: expected 4 bytes for the " + what + ", got " + std::to_string(got));
  }
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

/// Reads a uint8 IDX array with the given magic; `shape_name` describes the
/// expected layout for error messages.
torch::Tensor read_uint8_array(const std::string& path, uint32_t expected_magic,
                               const std::string& shape_name) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) fail(path, "no such file");
  if (std::filesystem::is_directory(path, error)) fail(path, "is a directory, expected a file");
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) fail(path, "cannot open for reading");

  const uint32_t magic = read_be32(file.get(), path, "magic number");
  if (magic != expected_magic) {
    fail(path, "wrong magic " + hex(magic) + ", expected " + hex(expected_magic) + " (" +
                   shape_name + ")");
  }
  std::vector<int64_t> shape;
  uint64_t bytes = 1;
  for (uint32_t d = 0; d < (expected_magic & 0xFF); ++d) {
    const uint32_t size = read_be32(file.get(), path, "size of dimension " + std::to_string(d));
    // Sizes are signed int32 in the format; a "negative" one is corrupt too.
    if (size == 0 || size > INT32_MAX) {
      fail(path, "dimension " + std::to_string(d) + " has size " + std::to_string(size) +
                     ", expected a positive size");
    }
    shape.push_back(size);
    bytes *= size;
    if (bytes > kMaxDataBytes) {
      fail(path, "header asks for more than " + std::to_string(kMaxDataBytes) +
                     " bytes of data; the file is corrupt");
    }
  }

  // The buffer grows as data arrives, a chunk at a time: a header of a few
  // bytes must not allocate gigabytes before the data turns out missing.
  std::vector<uint8_t> buffer;
  uint64_t got = 0;
  while (got < bytes) {
    const uint64_t want = std::min<uint64_t>(bytes - got, kReadChunkBytes);
    buffer.resize(got + want);
    const uint64_t read = read_some(file.get(), path, buffer.data() + got, want);
    got += read;
    if (read < want) break;
  }
  if (got != bytes) {
    fail(path, "truncated: expected " + std::to_string(bytes) + " bytes of data, got " +
                   std::to_string(got));
  }
  char extra;
  if (read_some(file.get(), path, &extra, 1) != 0) {
    fail(path, "trailing bytes after the " + std::to_string(bytes) +
                   " bytes of data the header announces");
  }
  torch::Tensor data = torch::empty(shape, torch::kUInt8);
  std::memcpy(data.data_ptr<uint8_t>(), buffer.data(), bytes);
  return data;
}

}  // namespace

torch::Tensor read_idx_images(const std::string& path) {
  return read_uint8_array(path, kIdxImagesMagic, "uint8 images N×rows×cols");
}

torch::Tensor read_idx_labels(const std::string& path) {
  return read_uint8_array(path, kIdxLabelsMagic, "uint8 labels N").to(torch::kInt64);
}

}  // namespace neuroreg::datasets
