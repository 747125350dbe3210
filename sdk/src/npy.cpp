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
  const auto file_size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  xt::detail::npy_file npy = [&] {
    try {
      return xt::detail::load_npy_file(in);
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ": not a readable .npy file (" + e.what() + ")");
    }
  }();
  // xtensor reads what is there; a short file must not pass as data.
  if (!in || static_cast<uint64_t>(in.tellg()) != file_size) {
    throw std::runtime_error(path + ": truncated or with trailing bytes: the header announces " +
                             std::to_string(npy.n_bytes()) + " data bytes");
  }
  if (npy.m_fortran_order) {
    throw std::runtime_error(path +
                             ": Fortran-order arrays are not supported; save with "
                             "numpy.ascontiguousarray");
  }
  for (const Dtype& d : kDtypes) {
    if (npy.m_typestring != d.descr) continue;
    std::vector<int64_t> shape(npy.m_shape.begin(), npy.m_shape.end());
    torch::Tensor out = torch::empty(shape, torch::TensorOptions().dtype(d.scalar));
    std::memcpy(out.data_ptr(), npy.ptr(), npy.n_bytes());
    return out;
  }
  throw std::runtime_error(path + ": dtype '" + npy.m_typestring + "' is not supported (expected " +
                           supported() + ")");
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
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": no such .npy file");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    throw std::runtime_error(path + ": not a .npy file");
  }
  uint32_t header_length = 0;
  if (magic[6] == 1) {
    uint16_t n = 0;
    in.read(reinterpret_cast<char*>(&n), 2);
    header_length = n;
  } else {
    in.read(reinterpret_cast<char*>(&header_length), 4);
  }
  std::string header(header_length, '\0');
  if (!in.read(header.data(), header_length)) throw std::runtime_error(path + ": truncated header");
  std::smatch descr, shape;
  if (!std::regex_search(header, descr, std::regex("'descr':\\s*'<U(\\d+)'"))) {
    throw std::runtime_error(path +
                             ": expected a little-endian unicode string array ('<U…'), "
                             "header " +
                             header);
  }
  if (header.find("'fortran_order': True") != std::string::npos ||
      !std::regex_search(header, shape, std::regex("'shape':\\s*\\((\\d+),?\\)"))) {
    throw std::runtime_error(path + ": expected a one-dimensional C-order string array, header " +
                             header);
  }
  const size_t width = std::stoul(descr[1]), count = std::stoul(shape[1]);
  std::vector<uint32_t> units(width * count);
  in.read(reinterpret_cast<char*>(units.data()), static_cast<std::streamsize>(units.size() * 4));
  if (!in || in.peek() != std::char_traits<char>::eof()) {
    throw std::runtime_error(path + ": truncated or with trailing bytes: expected " +
                             std::to_string(count) + " strings of " + std::to_string(width) +
                             " characters");
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
