// A reader for the part of Python's pickle format that torch.save uses for a
// state dict.
//
// LibTorch 1.13's own reader, torch::pickle_load, cannot be used for files
// that PyTorch users have: it turns a collections.OrderedDict (what
// model.state_dict() returns) into None and then fails an internal assert, and
// it reads only the zip container, not the legacy one that torchvision's
// older published weights (vgg19-dcbb9e9d.pth among them) were saved in.
//
// This reader rebuilds plain values, lists, tuples and dicts (an OrderedDict
// is a dict), and tensors from torch._utils._rebuild_tensor(_v2) and
// _rebuild_parameter. Anything else (an arbitrary Python object) is an error
// naming it: a state dict holds nothing else. Storages are handed to the
// caller, who knows the container they live in.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace neuroreg::vgg {

/// A Python value as the unpickler rebuilds it.
struct PyValue {
  enum class Kind {
    kNone,
    kBool,
    kInt,
    kBigInt,
    kFloat,
    kString,
    kBytes,
    kTuple,
    kList,
    kDict,
    kGlobal,
    kStorage,
    kTensor
  };
  Kind kind = Kind::kNone;
  int64_t integer = 0;  ///< kBool, kInt
  double real = 0;      ///< kFloat
  std::string text;     ///< kString, kBytes, kGlobal ("module.name"), kBigInt (little-endian bytes)
  std::vector<std::shared_ptr<PyValue>> items;  ///< kTuple, kList
  std::vector<std::pair<std::shared_ptr<PyValue>, std::shared_ptr<PyValue>>> entries;  ///< kDict
  torch::Tensor tensor;  ///< kStorage (1-D, its dtype) and kTensor
};
using PyRef = std::shared_ptr<PyValue>;

/// "a list", "an int", "a tensor": for error messages.
std::string describe(const PyValue& value);

/// Returns the 1-D tensor holding storage `key` (dtype and element count as
/// the pickle declares them). Storages shared by several tensors are asked for
/// once per reference: the loader should return the same tensor each time.
using StorageLoader =
    std::function<torch::Tensor(const std::string& key, torch::ScalarType dtype, int64_t numel)>;

/// Reads one pickle, up to and including its STOP opcode, from `in`. Throws
/// std::runtime_error describing the first thing it cannot read.
PyRef unpickle(std::istream& in, const StorageLoader& load_storage);

}  // namespace neuroreg::vgg
