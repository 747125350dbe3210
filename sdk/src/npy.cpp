#include "neuroreg/sdk/npy.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
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

}  // namespace neuroreg::sdk
