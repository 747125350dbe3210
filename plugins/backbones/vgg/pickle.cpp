#include "pickle.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace neuroreg::vgg {
namespace {

using Kind = PyValue::Kind;

// Longer strings or containers than this are a corrupt length, not data.
constexpr uint64_t kMaxLength = uint64_t{1} << 31;
// Bytes read at a time into a string whose length comes from the file.
constexpr uint64_t kReadChunk = uint64_t{1} << 20;

PyRef make(Kind kind) {
  auto value = std::make_shared<PyValue>();
  value->kind = kind;
  return value;
}

PyRef make_int(int64_t integer) {
  PyRef value = make(Kind::kInt);
  value->integer = integer;
  return value;
}

PyRef make_text(Kind kind, std::string text) {
  PyRef value = make(kind);
  value->text = std::move(text);
  return value;
}

// The storage classes torch.save names in a persistent id.
torch::ScalarType storage_dtype(const std::string& global) {
  static const std::map<std::string, torch::ScalarType> types = {
      {"torch.FloatStorage", torch::kFloat}, {"torch.DoubleStorage", torch::kDouble},
      {"torch.HalfStorage", torch::kHalf},   {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kLong},   {"torch.IntStorage", torch::kInt},
      {"torch.ShortStorage", torch::kShort}, {"torch.CharStorage", torch::kChar},
      {"torch.ByteStorage", torch::kByte},   {"torch.BoolStorage", torch::kBool},
  };
  auto it = types.find(global);
  if (it == types.end()) throw std::runtime_error("unsupported storage type " + global);
  return it->second;
}

// Every value reachable from `roots`, each once, held (so that cutting the
// links of one does not free another still to be cut). Iterative: a pickle
// can nest deeper than the C++ stack.
std::vector<PyRef> reachable(const std::vector<PyRef>& roots) {
  std::vector<PyRef> found, todo(roots.begin(), roots.end());
  std::unordered_set<PyValue*> seen;
  while (!todo.empty()) {
    PyRef v = todo.back();
    todo.pop_back();
    if (!v || !seen.insert(v.get()).second) continue;
    found.push_back(v);
    for (const PyRef& item : v->items) todo.push_back(item);
    for (const auto& [key, value] : v->entries) {
      todo.push_back(key);
      todo.push_back(value);
    }
  }
  return found;
}

// Whether an object reachable from `roots` contains itself. Pickles can
// build one (append a list to itself through the memo); reference counting
// would never free it.
bool has_cycle(const std::vector<PyRef>& roots) {
  enum class Mark { kOpen, kDone };
  std::unordered_map<PyValue*, Mark> mark;
  for (const PyRef& root : roots) {
    // (value, next child to visit); children are items, then keys and values.
    std::vector<std::pair<PyValue*, size_t>> path;
    auto enter = [&](PyValue* v) {
      if (v == nullptr) return false;
      auto it = mark.find(v);
      if (it != mark.end()) return it->second == Mark::kOpen;  // open: a cycle
      mark[v] = Mark::kOpen;
      path.emplace_back(v, 0);
      return false;
    };
    if (enter(root.get())) return true;
    while (!path.empty()) {
      auto& [v, next] = path.back();
      const size_t children = v->items.size() + 2 * v->entries.size();
      if (next == children) {
        mark[v] = Mark::kDone;
        path.pop_back();
        continue;
      }
      const size_t i = next++;
      PyValue* child = i < v->items.size()
                           ? v->items[i].get()
                           : ((i - v->items.size()) % 2 == 0
                                  ? v->entries[(i - v->items.size()) / 2].first.get()
                                  : v->entries[(i - v->items.size()) / 2].second.get());
      if (enter(child)) return true;
    }
  }
  return false;
}

class Unpickler {
 public:
  Unpickler(std::istream& in, const StorageLoader& load_storage)
      : in_(in), load_storage_(load_storage) {}

  // A pickle that failed may have left an object containing itself on the
  // stack or in the memo: its links are cut so that it is freed.
  ~Unpickler() {
    std::vector<PyRef> roots = stack_;
    for (const auto& [id, value] : memo_) roots.push_back(value);
    // A container that holds itself outlives every other reference to it.
    for (const std::weak_ptr<PyValue>& c : containers_) {
      if (PyRef alive = c.lock()) roots.push_back(alive);
    }
    if (!has_cycle(roots)) return;
    for (const PyRef& v : reachable(roots)) {
      v->items.clear();
      v->entries.clear();
    }
  }
  Unpickler(const Unpickler&) = delete;
  Unpickler& operator=(const Unpickler&) = delete;

  PyRef run() {
    while (true) {
      const size_t at = offset_;
      const uint8_t op = read_byte();
      try {
        if (op == '.') {  // STOP
          if (stack_.size() != 1 || !marks_.empty()) fail("a malformed pickle");
          if (has_cycle(stack_)) fail("an object that contains itself");
          return stack_.back();
        }
        step(op);
      } catch (const std::runtime_error& e) {
        if (dynamic_cast<const Truncated*>(&e)) throw;
        throw std::runtime_error(std::string(e.what()) + " (pickle opcode 0x" + hex(op) +
                                 " at byte " + std::to_string(at) + ")");
      }
    }
  }

 private:
  struct Truncated : std::runtime_error {
    Truncated() : std::runtime_error("the file ends inside a pickle") {}
  };

  [[noreturn]] static void fail(const std::string& what) { throw std::runtime_error(what); }

  PyRef track(PyRef container) {
    containers_.push_back(container);
    return container;
  }

  static std::string hex(uint8_t byte) {
    const char* digits = "0123456789abcdef";
    return {digits[byte >> 4], digits[byte & 15]};
  }

  void read_into(char* out, size_t n) {
    in_.read(out, static_cast<std::streamsize>(n));
    if (static_cast<size_t>(in_.gcount()) != n) throw Truncated();
    offset_ += n;
  }
  uint8_t read_byte() {
    char c;
    read_into(&c, 1);
    return static_cast<uint8_t>(c);
  }
  // Little-endian unsigned integer of `n` bytes.
  uint64_t read_uint(size_t n) {
    unsigned char bytes[8] = {};
    read_into(reinterpret_cast<char*>(bytes), n);
    uint64_t value = 0;
    for (size_t i = n; i-- > 0;) value = (value << 8) | bytes[i];
    return value;
  }
  std::string read_string(uint64_t n) {
    if (n > kMaxLength) fail("an implausible length " + std::to_string(n));
    // The string grows as bytes arrive: a length from the file must not
    // allocate gigabytes before the file turns out shorter.
    std::string text;
    while (text.size() < n) {
      const size_t at = text.size();
      const auto chunk = static_cast<size_t>(std::min<uint64_t>(n - at, kReadChunk));
      text.resize(at + chunk);
      read_into(text.data() + at, chunk);
    }
    return text;
  }
  std::string read_line() {
    std::string line;
    for (char c = static_cast<char>(read_byte()); c != '\n'; c = static_cast<char>(read_byte())) {
      line += c;
      if (line.size() > 1024) fail("an implausibly long name");
    }
    return line;
  }
  // LONG1 / LONG4: a little-endian two's complement integer of n bytes.
  PyRef read_long(uint64_t n) {
    std::string bytes = read_string(n);
    if (n > 8) return make_text(Kind::kBigInt, std::move(bytes));
    uint64_t value = 0;
    for (size_t i = n; i-- > 0;) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
    if (n > 0 && n < 8 && (static_cast<unsigned char>(bytes[n - 1]) & 0x80)) {
      value |= ~uint64_t{0} << (8 * n);  // sign-extend
    }
    return make_int(static_cast<int64_t>(value));
  }

  PyRef pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back())) {
      fail("a pickle that pops an empty stack");
    }
    PyRef value = std::move(stack_.back());
    stack_.pop_back();
    return value;
  }
  PyRef& top() {
    if (stack_.empty()) fail("a pickle that reads an empty stack");
    return stack_.back();
  }
  // The values pushed since the last MARK, which is removed.
  std::vector<PyRef> pop_to_mark() {
    if (marks_.empty()) fail("a pickle without the MARK it needs");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<PyRef> values(std::make_move_iterator(stack_.begin() + mark),
                              std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return values;
  }
  PyRef tuple(std::vector<PyRef> items) {
    PyRef value = track(make(Kind::kTuple));
    value->items = std::move(items);
    return value;
  }
  PyRef& expect(PyRef& value, Kind kind, const char* what) {
    if (value->kind != kind) fail(std::string("expected ") + what + ", found " + describe(*value));
    return value;
  }
  void add_entries(PyRef& dict, std::vector<PyRef>& flat) {
    expect(dict, Kind::kDict, "a dict");
    if (flat.size() % 2 != 0) fail("a dict update with an odd number of values");
    for (size_t i = 0; i < flat.size(); i += 2) dict->entries.emplace_back(flat[i], flat[i + 1]);
  }
  void memo_put(uint64_t id) { memo_[id] = top(); }
  PyRef memo_get(uint64_t id) {
    auto it = memo_.find(id);
    if (it == memo_.end())
      fail("a reference to memo entry " + std::to_string(id) + " never stored");
    return it->second;
  }

  // One opcode: either it makes a value to push (a scalar, or a value built
  // from what is on the stack), or it changes the stack, the memo or a
  // container in place.
  void step(uint8_t op) {
    if (PyRef value = scalar(op)) {
      stack_.push_back(std::move(value));
    } else if (PyRef built_value = built(op)) {
      stack_.push_back(std::move(built_value));
    } else if (!change_stack(op) && !fill_container(op)) {
      fail("an unsupported pickle opcode");
    }
  }

  // The value a scalar opcode pushes; null for any other opcode.
  PyRef scalar(uint8_t op) {
    switch (op) {
      case 'N':
        return make(Kind::kNone);
      case 0x88:
      case 0x89:
        return make_bool(op == 0x88);
      case 'J':
        return make_int(static_cast<int32_t>(read_uint(4)));
      case 'K':
        return make_int(read_uint(1));
      case 'M':
        return make_int(read_uint(2));
      case 0x8a:
        return read_long(read_uint(1));
      case 0x8b:
        return read_long(read_uint(4));
      case 'G':
        return read_float();
      // str: Python 3's, and Python 2's ('T', 'U': bytes that were text).
      case 'X':
      case 'T':
        return read_text(Kind::kString, 4);
      case 0x8c:
      case 'U':
        return read_text(Kind::kString, 1);
      case 0x8d:
        return read_text(Kind::kString, 8);
      case 'B':
        return read_text(Kind::kBytes, 4);
      case 'C':
        return read_text(Kind::kBytes, 1);
      case 0x8e:
        return read_text(Kind::kBytes, 8);
      default:
        return nullptr;
    }
  }

  // The value an opcode builds from the stack, the memo or the stream (a
  // container, a global, a call's result, a storage); null for any other.
  PyRef built(uint8_t op) {
    switch (op) {
      case '2':  // DUP
        return top();
      case 'h':
        return memo_get(read_uint(1));
      case 'j':
        return memo_get(read_uint(4));
      case ')':
        return tuple({});
      case 't':
        return tuple(pop_to_mark());
      case 0x85:
      case 0x86:
      case 0x87:
        return tuple_from_stack(op - 0x84);
      case ']':
      case '}':
        return track(make(op == ']' ? Kind::kList : Kind::kDict));
      case 'l':
        return list_from_mark();
      case 'c':
        return global_from_lines();
      case 0x93:
        return stack_global();
      case 'R':   // REDUCE: callable(*args)
      case 0x81:  // NEWOBJ: cls.__new__(cls, *args), the same for what we build
        return reduce();
      case 'Q':
        return persistent_load(pop());
      default:
        return nullptr;
    }
  }

  // Opcodes that change the stack or the memo, or only read; false for others.
  bool change_stack(uint8_t op) {
    switch (op) {
      case 0x80:
        read_byte();  // PROTO: versions 2-5 share these opcodes
        return true;
      case 0x95:
        read_uint(8);  // FRAME: a hint for buffered readers
        return true;
      case '(':
        marks_.push_back(stack_.size());
        return true;
      case '0':
        pop();
        return true;
      case '1':
        pop_to_mark();
        return true;
      case 'b':  // BUILD: sets Python attributes (a state dict's _metadata); not needed
        pop();
        top();
        return true;
      case 'q':
        memo_put(read_uint(1));
        return true;
      case 'r':
        memo_put(read_uint(4));
        return true;
      case 0x94:
        memo_put(memo_.size());
        return true;
      default:
        return false;
    }
  }

  // Opcodes that add to a list or dict; false for others.
  bool fill_container(uint8_t op) {
    switch (op) {
      case 'a':
        append();
        return true;
      case 'e':
        extend();
        return true;
      case 'd':
        dict_from_mark();
        return true;
      case 's':
        set_item();
        return true;
      case 'u':
        set_items();
        return true;
      default:
        return false;
    }
  }

  PyRef make_bool(bool value) {
    PyRef b = make(Kind::kBool);
    b->integer = value;
    return b;
  }
  // BINFLOAT: big-endian.
  PyRef read_float() {
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | read_byte();
    PyRef value = make(Kind::kFloat);
    std::memcpy(&value->real, &bits, sizeof bits);
    return value;
  }
  // A string or bytes whose length comes first, in `length_bytes` bytes.
  PyRef read_text(Kind kind, size_t length_bytes) {
    return make_text(kind, read_string(read_uint(length_bytes)));
  }
  // TUPLE1-3: the top `n` values.
  PyRef tuple_from_stack(size_t n) {
    std::vector<PyRef> items(n);
    for (size_t i = items.size(); i-- > 0;) items[i] = pop();
    return tuple(std::move(items));
  }
  PyRef list_from_mark() {
    PyRef list = track(make(Kind::kList));
    list->items = pop_to_mark();
    return list;
  }
  // GLOBAL: module and name on lines of their own.
  PyRef global_from_lines() {
    std::string module = read_line();
    return make_text(Kind::kGlobal, module + "." + read_line());
  }
  // STACK_GLOBAL: module and name from the stack.
  PyRef stack_global() {
    PyRef name = pop();
    PyRef module = pop();
    expect(module, Kind::kString, "a module name");
    expect(name, Kind::kString, "a global name");
    return make_text(Kind::kGlobal, module->text + "." + name->text);
  }
  PyRef reduce() {
    PyRef args = pop();
    PyRef callable = pop();
    return call(callable, args);
  }

  void append() {
    PyRef value = pop();
    expect(top(), Kind::kList, "a list")->items.push_back(std::move(value));
  }
  void extend() {
    std::vector<PyRef> values = pop_to_mark();
    PyRef& list = expect(top(), Kind::kList, "a list");
    for (PyRef& value : values) list->items.push_back(std::move(value));
  }
  void dict_from_mark() {
    std::vector<PyRef> flat = pop_to_mark();
    stack_.push_back(track(make(Kind::kDict)));
    add_entries(top(), flat);
  }
  void set_item() {
    std::vector<PyRef> flat(2);
    flat[1] = pop();
    flat[0] = pop();
    add_entries(top(), flat);
  }
  void set_items() {
    std::vector<PyRef> flat = pop_to_mark();
    add_entries(top(), flat);
  }

  PyRef call(PyRef& callable, PyRef& args) {
    expect(callable, Kind::kGlobal, "a callable");
    expect(args, Kind::kTuple, "an argument tuple");
    const std::string& name = callable->text;
    std::vector<PyRef>& a = args->items;
    auto need = [&](size_t n) {
      if (a.size() < n) fail(name + " with " + std::to_string(a.size()) + " arguments");
    };
    if (name == "collections.OrderedDict" || name == "builtins.dict" ||
        name == "__builtin__.dict") {
      PyRef dict = track(make(Kind::kDict));
      if (!a.empty()) {  // Python 2 pickles an OrderedDict as OrderedDict([[k, v], ...])
        expect(a[0], Kind::kList, "a list of pairs");
        for (PyRef& pair : a[0]->items) {
          if ((pair->kind != Kind::kList && pair->kind != Kind::kTuple) ||
              pair->items.size() != 2) {
            fail("an OrderedDict item that is not a pair");
          }
          dict->entries.emplace_back(pair->items[0], pair->items[1]);
        }
      }
      return dict;
    }
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
      need(4);  // storage, offset, size, stride[, requires_grad, hooks, metadata]
      return rebuild_tensor(a[0], a[1], a[2], a[3]);
    }
    if (name == "torch._utils._rebuild_parameter" ||
        name == "torch._utils._rebuild_parameter_with_state") {
      need(1);  // data, requires_grad, hooks[, state]
      return expect(a[0], Kind::kTensor, "a tensor");
    }
    if (name == "torch._tensor._rebuild_from_type_v2") {
      need(3);  // func, type, args, state
      return call(a[0], a[2]);
    }
    if (name == "torch.jit._pickle.restore_type_tag" || name == "torch.jit._pickle.build_intlist" ||
        name == "torch.jit._pickle.build_tensorlist" ||
        name == "torch.jit._pickle.build_doublelist" ||
        name == "torch.jit._pickle.build_boollist") {
      need(1);  // what torch::pickle_save wraps a typed dict or list in
      return a[0];
    }
    fail("an object of type " + name + " (a state dict holds only tensors)");
  }

  static std::vector<int64_t> int_tuple(const PyRef& value, const char* what) {
    if (value->kind != Kind::kTuple && value->kind != Kind::kList) {
      fail(std::string("a tensor ") + what + " that is " + describe(*value));
    }
    std::vector<int64_t> ints;
    for (const PyRef& item : value->items) {
      if (item->kind != Kind::kInt || item->integer < 0) fail(std::string("a bad tensor ") + what);
      ints.push_back(item->integer);
    }
    return ints;
  }

  PyRef rebuild_tensor(PyRef& storage, PyRef& offset, PyRef& size, PyRef& stride) {
    expect(storage, Kind::kStorage, "a storage");
    expect(offset, Kind::kInt, "a storage offset");
    std::vector<int64_t> sizes = int_tuple(size, "size");
    std::vector<int64_t> strides = int_tuple(stride, "stride");
    if (sizes.size() != strides.size() || offset->integer < 0) fail("a malformed tensor");
    bool empty = false;
    for (size_t d = 0; d < sizes.size(); ++d) {
      if (sizes[d] < 0 || strides[d] < 0) fail("a tensor with a negative size or stride");
      if (sizes[d] == 0) empty = true;
    }
    if (!empty) {
      // The last element the tensor reaches, in checked arithmetic: sizes and
      // strides come from the file and may overflow int64.
      int64_t last = offset->integer;
      for (size_t d = 0; d < sizes.size(); ++d) {
        int64_t step = 0;
        if (__builtin_mul_overflow(sizes[d] - 1, strides[d], &step) ||
            __builtin_add_overflow(last, step, &last)) {
          fail("a tensor that reaches past the end of its storage");
        }
      }
      if (last >= storage->tensor.numel()) {
        fail("a tensor that reaches past the end of its storage");
      }
    }
    PyRef tensor = make(Kind::kTensor);
    tensor->tensor = storage->tensor.as_strided(sizes, strides, offset->integer);
    return tensor;
  }

  // ('storage', storage class, key, location, numel[, view_metadata])
  PyRef persistent_load(const PyRef& id) {
    const auto& f = id->items;
    if (id->kind != Kind::kTuple || f.size() < 5 || f[0]->kind != Kind::kString ||
        f[0]->text != "storage") {
      fail("a persistent id that is not a storage (a pickled module? save its state_dict())");
    }
    if (f[1]->kind != Kind::kGlobal || f[2]->kind != Kind::kString || f[4]->kind != Kind::kInt ||
        f[4]->integer < 0) {
      fail("a malformed storage id");
    }
    PyRef storage = make(Kind::kStorage);
    storage->tensor = load_storage_(f[2]->text, storage_dtype(f[1]->text), f[4]->integer);
    // Legacy files may name a view into a larger storage: (view key, offset, size).
    if (f.size() > 5 && f[5]->kind == Kind::kTuple) {
      const auto& view = f[5]->items;
      if (view.size() != 3 || view[1]->kind != Kind::kInt || view[2]->kind != Kind::kInt ||
          view[1]->integer < 0 || view[2]->integer < 0 ||
          view[1]->integer > storage->tensor.numel() - view[2]->integer) {
        fail("a malformed storage view");
      }
      storage->tensor = storage->tensor.narrow(0, view[1]->integer, view[2]->integer);
    }
    return storage;
  }

  std::istream& in_;
  const StorageLoader& load_storage_;
  size_t offset_ = 0;
  std::vector<PyRef> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, PyRef> memo_;
  std::vector<std::weak_ptr<PyValue>> containers_;  ///< every list, tuple and dict made
};

}  // namespace

std::string describe(const PyValue& value) {
  switch (value.kind) {
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return "a bool";
    case Kind::kInt:
    case Kind::kBigInt:
      return "an int";
    case Kind::kFloat:
      return "a float";
    case Kind::kString:
      return "a string";
    case Kind::kBytes:
      return "bytes";
    case Kind::kTuple:
      return "a tuple";
    case Kind::kList:
      return "a list";
    case Kind::kDict:
      return "a dict";
    case Kind::kGlobal:
      return "the name " + value.text;
    case Kind::kStorage:
      return "a storage";
    case Kind::kTensor:
      return "a tensor";
  }
  return "a value";
}

PyRef unpickle(std::istream& in, const StorageLoader& load_storage) {
  return Unpickler(in, load_storage).run();
}

}  // namespace neuroreg::vgg
