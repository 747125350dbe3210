#include "state_dict_file.h"

#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>
#include <neuroreg/sdk/zip_archive.h>

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "pickle.h"

namespace neuroreg::vgg {
namespace {

using Kind = PyValue::Kind;

// The legacy format's first pickle: the 80-bit magic number 0x1950a86a20f9469cfc6c.
constexpr char kLegacyMagic[] = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
constexpr int64_t kLegacyProtocol = 1001;

struct FormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The zip container: data.pkl refers to storages by key, each stored as the
// record data/<key>. The reader accepts any top-level folder name.
PyRef read_zip(const std::string& path) {
  // Checked first: LibTorch allocates whatever size a record declares and
  // leaks when it refuses a malformed archive.
  if (std::string problem = neuroreg::sdk::zip_archive_problem(path); !problem.empty()) {
    const std::string prefix = path + ": ";
    if (problem.rfind(prefix, 0) == 0) problem = problem.substr(prefix.size());
    throw FormatError(problem);
  }
  caffe2::serialize::PyTorchStreamReader reader(path);
  if (!reader.hasRecord("data.pkl")) {
    throw FormatError("a zip archive without data.pkl (a TorchScript module? use its state dict)");
  }
  std::map<std::string, torch::Tensor> storages;
  auto load = [&](const std::string& key, torch::ScalarType dtype, int64_t numel) {
    auto found = storages.find(key);
    if (found != storages.end()) return found->second;
    const std::string record = "data/" + key;
    if (!reader.hasRecord(record)) throw FormatError("storage " + record + " is missing");
    auto [data, bytes] = reader.getRecord(record);
    // Divided, not multiplied: the element count comes from the file and
    // numel × element size may wrap around.
    if (static_cast<uint64_t>(numel) > bytes / c10::elementSize(dtype)) {
      throw FormatError("storage " + record + " has " + std::to_string(bytes) + " bytes, " +
                        std::to_string(numel) + " elements of " +
                        std::to_string(c10::elementSize(dtype)) + " bytes expected");
    }
    // The tensor keeps the record's buffer alive: no copy.
    auto owner = std::make_shared<at::DataPtr>(std::move(data));
    torch::Tensor storage = torch::from_blob(
        owner->get(), {numel}, [owner](void*) mutable { owner.reset(); },
        torch::TensorOptions().dtype(dtype));
    storages.emplace(key, storage);
    return storage;
  };
  auto [pickle, size] = reader.getRecord("data.pkl");
  std::istringstream in(std::string(static_cast<const char*>(pickle.get()), size));
  return unpickle(in, load);
}

// The legacy container: pickles of the magic number, the protocol version and
// the machine's sys_info, then the object (storages by key), then the list of
// storage keys, then for each key its element count (int64) and raw bytes.
PyRef read_legacy(std::ifstream& in, uint64_t file_bytes) {
  auto no_storage = [](const std::string&, torch::ScalarType, int64_t) -> torch::Tensor {
    throw FormatError("a storage outside the object pickle");
  };
  PyRef magic = unpickle(in, no_storage);
  if (magic->kind != Kind::kBigInt || magic->text != std::string(kLegacyMagic, 10)) {
    throw FormatError("a pickle that does not start with torch.save's magic number");
  }
  PyRef protocol = unpickle(in, no_storage);
  if (protocol->kind != Kind::kInt || protocol->integer != kLegacyProtocol) {
    throw FormatError("an unknown legacy protocol version");
  }
  PyRef sys_info = unpickle(in, no_storage);
  if (sys_info->kind == Kind::kDict) {
    for (const auto& [key, value] : sys_info->entries) {
      if (key->kind == Kind::kString && key->text == "little_endian" &&
          value->kind == Kind::kBool && !value->integer) {
        throw FormatError("it was written on a big-endian machine");
      }
    }
  }

  std::map<std::string, torch::Tensor> storages;
  auto load = [&](const std::string& key, torch::ScalarType dtype, int64_t numel) {
    auto found = storages.find(key);
    if (found != storages.end()) return found->second;
    // The raw data follows in the file: a count it cannot hold is an error,
    // not an allocation of whatever the pickle asks for.
    if (static_cast<uint64_t>(numel) > file_bytes / c10::elementSize(dtype)) {
      throw FormatError("storage " + key + " declares " + std::to_string(numel) +
                        " elements, more than the file holds");
    }
    // Filled in below, once the raw data that follows the pickles is reached.
    torch::Tensor storage = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
    storages.emplace(key, storage);
    return storage;
  };
  PyRef object = unpickle(in, load);

  PyRef keys = unpickle(in, no_storage);
  if (keys->kind != Kind::kList) throw FormatError("a storage key list that is " + describe(*keys));
  for (const PyRef& key : keys->items) {
    auto found = key->kind == Kind::kString ? storages.find(key->text) : storages.end();
    if (found == storages.end()) throw FormatError("raw data for a storage nobody uses");
    torch::Tensor& storage = found->second;
    int64_t numel = 0;
    in.read(reinterpret_cast<char*>(&numel), sizeof numel);
    if (!in || numel != storage.numel()) {
      throw FormatError("storage " + key->text + " has a wrong or missing element count");
    }
    const auto bytes = static_cast<std::streamsize>(storage.nbytes());
    if (bytes > 0) in.read(static_cast<char*>(storage.data_ptr()), bytes);
    if (bytes > 0 && in.gcount() != bytes) {
      throw FormatError("the file ends inside storage " + key->text);
    }
    storages.erase(found);
  }
  if (!storages.empty()) throw FormatError("storage " + storages.begin()->first + " has no data");
  return object;
}

PyRef read_object(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the file");
  char head[512] = {};
  in.read(head, sizeof head);
  const auto length = static_cast<size_t>(in.gcount());
  in.clear();
  in.seekg(0);
  if (length >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0) {
    in.close();
    return read_zip(path);
  }
  if (length >= 2 && static_cast<unsigned char>(head[0]) == 0x80) {
    in.seekg(0, std::ios::end);
    const auto file_bytes = static_cast<uint64_t>(in.tellg());
    in.seekg(0);
    return read_legacy(in, file_bytes);
  }
  if (length >= 262 && std::memcmp(head + 257, "ustar", 5) == 0) {
    throw FormatError("a tar file: the format of PyTorch before 0.1.10, which is not supported");
  }
  throw FormatError("neither a zip archive nor a pickle");
}

}  // namespace

StateDict read_state_dict(const std::string& path) {
  PyRef object;
  try {
    object = read_object(path);
  } catch (const c10::Error& e) {  // from the zip reader
    throw std::runtime_error(path +
                             ": not a readable torch.save file: " + e.what_without_backtrace());
  } catch (const FormatError& e) {
    throw std::runtime_error(path + ": not a readable torch.save file: " + e.what());
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind(path + ": ", 0) == 0) throw;
    throw std::runtime_error(path + ": not a readable torch.save file: " + e.what());
  }

  const std::string expected = path + ": expected a state dict (a dict of name → tensor)";
  if (object->kind != Kind::kDict)
    throw std::runtime_error(expected + ", found " + describe(*object));
  StateDict state;
  for (const auto& [key, value] : object->entries) {
    if (key->kind != Kind::kString) {
      throw std::runtime_error(expected + ", but it has a key that is " + describe(*key));
    }
    if (value->kind != Kind::kTensor) {
      throw std::runtime_error(expected + ", but '" + key->text + "' holds " + describe(*value));
    }
    state.emplace_back(key->text, value->tensor);
  }
  return state;
}

}  // namespace neuroreg::vgg
