// A state dict written byte for byte as Python's torch.save writes
// model.state_dict(), for the VGG plugin's loader tests and the fuzz seed
// corpus (fuzz/make_corpus.cpp), without Python:
//
//   testing::save_like_python(state, dir.file("zip.pth"), testing::TorchSaveContainer::kZip);
//
// The pickle is an OrderedDict whose _metadata attribute is set with BUILD,
// holding _rebuild_tensor_v2 calls on persistent-id storages (float32 only).
// Header-only, so that the fuzz corpus writer, which is not linked with the
// tests, can use it too.
#pragma once

#include <caffe2/serialize/inline_container.h>
#include <torch/types.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace neuroreg::testing {

using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

/// The containers torch.save writes. kLegacy2017 is the legacy stream as
/// PyTorch 0.1.x under Python 2 wrote it, like torchvision's
/// vgg19-dcbb9e9d.pth: OrderedDict([[key, value], ...]), byte-string keys and
/// _rebuild_tensor without requires_grad and hooks.
enum class TorchSaveContainer { kZip, kLegacy, kLegacy2017 };

/// Pickle opcodes and their arguments, appended in order (protocol 2).
class PythonPickle {
 public:
  PythonPickle& op(const char* bytes) { return raw(bytes, std::strlen(bytes)); }
  PythonPickle& raw(const void* data, size_t n) {
    bytes_.append(static_cast<const char*>(data), n);
    return *this;
  }
  PythonPickle& string(const std::string& s, bool py2 = false) {
    if (py2) {
      const auto n = static_cast<uint8_t>(s.size());
      op("U").raw(&n, 1);  // SHORT_BINSTRING
    } else {
      const auto n = static_cast<uint32_t>(s.size());
      op("X").raw(&n, 4);  // BINUNICODE
    }
    return raw(s.data(), s.size());
  }
  PythonPickle& integer(int64_t v) {
    const auto n = static_cast<int32_t>(v);
    return op("J").raw(&n, 4);  // BININT
  }
  PythonPickle& global(const std::string& module, const std::string& name) {
    return op("c")
        .raw(module.data(), module.size())
        .op("\n")
        .raw(name.data(), name.size())
        .op("\n");
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

/// The pickle of the state dict itself; storage i holds tensor i.
inline std::string state_dict_pickle(const StateDict& state, TorchSaveContainer container) {
  const bool py2 = container == TorchSaveContainer::kLegacy2017;
  PythonPickle p;
  p.op("\x80\x02").global("collections", "OrderedDict");
  p.op(py2 ? "(](" : ")R(");  // py2: the items become OrderedDict's one argument
  for (size_t i = 0; i < state.size(); ++i) {
    const torch::Tensor& t = state[i].second;
    if (py2) p.op("(");
    p.string(state[i].first, py2);
    p.global("torch._utils", py2 ? "_rebuild_tensor" : "_rebuild_tensor_v2").op("((");
    p.string("storage", py2).global("torch", "FloatStorage").string(std::to_string(i), py2);
    p.string("cpu", py2).integer(t.numel());
    if (container != TorchSaveContainer::kZip) p.op("N");  // the legacy id's view metadata
    p.op("tQ").integer(0).op("(");
    for (int64_t s : t.sizes()) p.integer(s);
    p.op("t(");
    for (int64_t s : t.strides()) p.integer(s);
    p.op("t");
    if (!py2) p.op("\x89").global("collections", "OrderedDict").op(")R");  // requires_grad, hooks
    p.op("tR");
    if (py2) p.op("l");  // the [key, value] pair
  }
  p.op(py2 ? "etR" : "u");
  p.op("}").string("_metadata", py2).op("}sb.");
  return p.bytes();
}

/// The legacy stream: magic number, protocol version and sys_info pickles,
/// the state dict's pickle, the storage keys, then each storage as its
/// element count and raw bytes.
inline std::string legacy_file(const StateDict& state, const std::string& pickle,
                               const std::vector<std::string>& storages, bool py2) {
  PythonPickle head;
  head.op("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.");    // the magic number
  head.op("\x80\x02").integer(1001).op(".");                               // protocol version
  head.op("\x80\x02}(").string("little_endian", py2).op("\x88").op("u.");  // sys_info
  PythonPickle keys;
  keys.op("\x80\x02](");
  for (size_t i = 0; i < state.size(); ++i) keys.string(std::to_string(i), py2);
  keys.op("e.");
  std::string file = head.bytes() + pickle + keys.bytes();
  for (size_t i = 0; i < state.size(); ++i) {
    const int64_t numel = state[i].second.numel();
    file.append(reinterpret_cast<const char*>(&numel), sizeof numel);
    file += storages[i];
  }
  return file;
}

/// Writes `state` to `path` in `container` as torch.save would, and returns
/// `path`. A zip's records are named after the file (as torch.save names
/// them), so the same state at another file name gives other bytes.
inline std::string save_like_python(const StateDict& state, const std::string& path,
                                    TorchSaveContainer container) {
  const std::string pickle = state_dict_pickle(state, container);
  std::vector<std::string> storages;
  for (const auto& item : state) {
    torch::Tensor t = item.second.contiguous();
    storages.emplace_back(static_cast<const char*>(t.data_ptr()), t.nbytes());
  }
  if (container == TorchSaveContainer::kZip) {
    caffe2::serialize::PyTorchStreamWriter writer(path);
    writer.writeRecord("data.pkl", pickle.data(), pickle.size());
    for (size_t i = 0; i < storages.size(); ++i) {
      writer.writeRecord("data/" + std::to_string(i), storages[i].data(), storages[i].size());
    }
    writer.writeEndOfFile();
    return path;
  }
  const std::string file =
      legacy_file(state, pickle, storages, container == TorchSaveContainer::kLegacy2017);
  std::ofstream(path, std::ios::binary)
      .write(file.data(), static_cast<std::streamsize>(file.size()));
  return path;
}

}  // namespace neuroreg::testing
