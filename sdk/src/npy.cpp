#include "neuroreg/sdk/npy.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <xtensor/xadapt.hpp>
#include <xtensor/xnpy.hpp>

#include "neuroreg/sdk/atomic_file.h"

namespace neuroreg::sdk {
namespace {

struct Dtype {
  const char* descr;  // numpy's type string
  torch::ScalarType scalar;
};

constexpr Dtype kDtypes[] = {
    {"|b1", torch::kBool}, {"|u1", torch::kByte},  {"<i4", torch::kInt},
    {"<i8", torch::kLong}, {"<f4", torch::kFloat}, {"<f8", torch::kDouble},
};

std::string supported() {
  std::string out;
  for (const Dtype& d : kDtypes) out += (out.empty() ? "" : ", ") + std::string(d.descr);
  return out;
}

// What an .npy header says, checked against the file it came from.
struct NpyHeader {
  std::string descr;  // numpy's type string, e.g. "<f4", "<U12"
  bool fortran_order = false;
  std::vector<int64_t> shape;
  uint64_t data_bytes = 0;  // what follows the header
};

[[noreturn]] void bad_header(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": not a readable .npy file (" + what + ")");
}

// One 'shape' dimension of the header dict: digits only (at most 18, so it
// fits in 63 bits; the product is checked for overflow).
int64_t dimension(const std::string& token, const std::string& path) {
  std::string digits = token;
  if (!digits.empty() && digits.back() == 'L') digits.pop_back();  // Python 2 longs
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    bad_header(path, "shape entry '" + token + "' is not a dimension");
  }
  return std::stoll(digits);
}

// Reads and checks the header (format versions 1.0, 2.0 and 3.0): magic,
// length, the dict's descr, fortran_order and shape, and that the data that
// follows has exactly the announced size. Bounds come from the file's size,
// so a damaged header cannot ask for more memory than the file holds.
// `strings`: a '<U' array (4 bytes per character) rather than numbers.
NpyHeader read_header(std::istream& in, const std::string& path, uint64_t file_size,
                      bool strings = false) {
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    bad_header(path, "no .npy magic string at its start");
  }
  const auto major = static_cast<unsigned char>(magic[6]);
  if (major < 1 || major > 3) bad_header(path, "format version " + std::to_string(major));
  unsigned char length_bytes[4] = {0, 0, 0, 0};
  const int length_size = major == 1 ? 2 : 4;
  if (!in.read(reinterpret_cast<char*>(length_bytes), length_size)) {
    bad_header(path, "truncated header");
  }
  const uint64_t header_length = uint64_t{length_bytes[0]} | uint64_t{length_bytes[1]} << 8 |
                                 uint64_t{length_bytes[2]} << 16 | uint64_t{length_bytes[3]} << 24;
  const uint64_t data_offset = 8 + length_size + header_length;
  if (data_offset > file_size) bad_header(path, "truncated header");
  std::string header(header_length, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header_length))) {
    bad_header(path, "truncated header");
  }

  NpyHeader h;
  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"(['"]descr['"]\s*:\s*['"]([^'"]*)['"])"))) {
    bad_header(path, "no 'descr' in header " + header);
  }
  h.descr = m[1];
  if (!std::regex_search(header, m, std::regex(R"(['"]fortran_order['"]\s*:\s*(True|False))"))) {
    bad_header(path, "no 'fortran_order' in header " + header);
  }
  h.fortran_order = m[1] == "True";
  if (!std::regex_search(header, m, std::regex(R"(['"]shape['"]\s*:\s*\(([^)]*)\))"))) {
    bad_header(path, "no 'shape' in header " + header);
  }
  const std::string dims = m[1];
  for (size_t start = 0; start < dims.size();) {
    size_t end = dims.find(',', start);
    if (end == std::string::npos) end = dims.size();
    std::string token = dims.substr(start, end - start);
    token.erase(0, token.find_first_not_of(" \t"));
    token.erase(token.find_last_not_of(" \t") + 1);
    if (!token.empty()) h.shape.push_back(dimension(token, path));
    start = end + 1;
  }

  // Bytes per element: the dtype's size, or 4 per character of a '<U' width.
  uint64_t item_bytes = 0;
  if (strings) {
    // Width >= 1: every element then takes file bytes, which bounds the count.
    if (!std::regex_match(h.descr, m, std::regex(R"(<U([1-9]\d{0,11}))"))) {
      throw std::runtime_error(path +
                               ": expected a little-endian unicode string array ('<U…'), "
                               "header " +
                               header);
    }
    item_bytes = 4 * std::stoull(m[1]);
  } else {
    for (const Dtype& d : kDtypes) {
      if (h.descr == d.descr) item_bytes = c10::elementSize(d.scalar);
    }
    if (item_bytes == 0) {
      throw std::runtime_error(path + ": dtype '" + h.descr + "' is not supported (expected " +
                               supported() + ")");
    }
  }
  uint64_t bytes = item_bytes;
  for (int64_t d : h.shape) {
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes)) {
      bad_header(path, "shape " + dims + " overflows");
    }
  }
  h.data_bytes = bytes;
  if (file_size - data_offset != bytes) {
    throw std::runtime_error(path + ": truncated or with trailing bytes: the header announces " +
                             std::to_string(bytes) + " data bytes, the file has " +
                             std::to_string(file_size - data_offset));
  }
  return h;
}

template <typename T>
void dump(std::ostream& out, const torch::Tensor& t) {
  std::vector<size_t> shape(t.sizes().begin(), t.sizes().end());
  auto view = xt::adapt(t.data_ptr<T>(), static_cast<size_t>(t.numel()), xt::no_ownership(), shape);
  xt::detail::dump_npy_stream(out, view);
}

}  // namespace

torch::Tensor read_npy(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw std::runtime_error(path + ": no such .npy file");
  }
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  const NpyHeader h = read_header(in, path, file_size);
  if (h.fortran_order) {
    throw std::runtime_error(path +
                             ": Fortran-order arrays are not supported; save with "
                             "numpy.ascontiguousarray");
  }
  torch::ScalarType scalar = torch::kFloat;
  for (const Dtype& d : kDtypes) {
    if (h.descr == d.descr) scalar = d.scalar;
  }
  torch::Tensor out = torch::empty(h.shape, torch::TensorOptions().dtype(scalar));
  if (!in.read(static_cast<char*>(out.data_ptr()), static_cast<std::streamsize>(h.data_bytes))) {
    throw std::runtime_error(path + ": read failed");
  }
  return out;
}

void write_npy(const std::string& path, const torch::Tensor& tensor) {
  torch::Tensor t = tensor.detach().cpu().contiguous();
  write_atomically_with(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    switch (t.scalar_type()) {
      case torch::kBool:
        dump<bool>(out, t);
        break;
      case torch::kByte:
        dump<uint8_t>(out, t);
        break;
      case torch::kInt:
        dump<int32_t>(out, t);
        break;
      case torch::kLong:
        dump<int64_t>(out, t);
        break;
      case torch::kFloat:
        dump<float>(out, t);
        break;
      case torch::kDouble:
        dump<double>(out, t);
        break;
      default:
        throw std::invalid_argument(path + ": cannot write dtype " +
                                    std::string(c10::toString(t.scalar_type())) + " as .npy");
    }
    out.flush();
    if (!out) throw std::runtime_error(path + ": write failed");
  });
}

namespace {

// UTF-8 of one UTF-32 code point (numpy's 'U' arrays store UTF-32LE).
void append_utf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// The code points of UTF-8 text; throws on malformed input.
std::vector<uint32_t> code_points(const std::string& text, const std::string& path) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    const int extra = b < 0x80         ? 0
                      : (b >> 5) == 6  ? 1
                      : (b >> 4) == 14 ? 2
                      : (b >> 3) == 30 ? 3
                                       : -1;
    auto invalid = [&] {
      return std::invalid_argument(path + ": string '" + text + "' is not valid UTF-8");
    };
    if (extra < 0 || i + static_cast<size_t>(extra) >= text.size() + (extra == 0)) throw invalid();
    uint32_t c = extra == 0 ? b : b & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next >> 6) != 2) throw invalid();
      c = (c << 6) | (next & 0x3F);
    }
    out.push_back(c);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

}  // namespace

std::vector<std::string> read_npy_strings(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw std::runtime_error(path + ": no such .npy file");
  }
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  const NpyHeader h = read_header(in, path, file_size, /*strings=*/true);
  if (h.fortran_order || h.shape.size() != 1) {
    throw std::runtime_error(path + ": expected a one-dimensional C-order string array");
  }
  const auto count = static_cast<size_t>(h.shape[0]);
  const size_t width = count == 0 ? 0 : h.data_bytes / 4 / count;
  std::vector<uint32_t> units(h.data_bytes / 4);
  if (!in.read(reinterpret_cast<char*>(units.data()), static_cast<std::streamsize>(h.data_bytes))) {
    throw std::runtime_error(path + ": read failed");
  }
  std::vector<std::string> out(count);
  for (size_t i = 0; i < count; ++i) {
    for (size_t k = 0; k < width && units[i * width + k] != 0; ++k) {
      append_utf8(out[i], units[i * width + k]);
    }
  }
  return out;
}

void write_npy_strings(const std::string& path, const std::vector<std::string>& strings) {
  std::vector<std::vector<uint32_t>> points;
  size_t width = 1;
  for (const std::string& s : strings) {
    points.push_back(code_points(s, path));
    width = std::max(width, points.back().size());
  }
  write_atomically_with(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    xt::detail::write_header(out, "<U" + std::to_string(width), false,
                             std::vector<size_t>{strings.size()});
    for (const auto& p : points) {
      std::vector<uint32_t> padded(p);
      padded.resize(width, 0);
      out.write(reinterpret_cast<const char*>(padded.data()),
                static_cast<std::streamsize>(width * 4));
    }
    out.flush();
    if (!out) throw std::runtime_error(path + ": write failed");
  });
}

}  // namespace neuroreg::sdk
