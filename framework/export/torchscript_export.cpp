#include "export/torchscript_export.h"

#include <neuroreg/sdk/atomic_file.h>
#include <torch/csrc/jit/api/compilation_unit.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <cctype>
#include <cstdio>
#include <exception>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace neuroreg {
namespace {

namespace jit = torch::jit;

// --- metadata ---------------------------------------------------------------

/// "torch::nn::Conv2dImpl" -> "Conv2d"; "(anonymous namespace)::ResNet" -> "ResNet".
std::string type_atom(const std::string& cpp_name) {
  const size_t colon = cpp_name.rfind(':');
  std::string atom = colon == std::string::npos ? cpp_name : cpp_name.substr(colon + 1);
  if (atom.size() > 4 && atom.compare(atom.size() - 4, 4, "Impl") == 0) {
    atom.resize(atom.size() - 4);
  }
  for (char& c : atom) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  if (atom.empty() || std::isdigit(static_cast<unsigned char>(atom[0]))) atom = "M" + atom;
  return atom;
}

/// The dtype as Python spells it ("float32").
std::string dtype_name(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat: return "float32";
    case torch::kDouble: return "float64";
    case torch::kHalf: return "float16";
    case torch::kBFloat16: return "bfloat16";
    default: return c10::toString(type);
  }
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

template <typename T, typename Format>
std::string json_list(const std::vector<T>& items, Format format) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + format(items[i]);
  return out + "]";
}

std::string metadata_json(const std::string& backbone, const torch::Tensor& example,
                          int64_t num_classes, const TorchScriptExportInfo& info) {
  auto quoted = [](const std::string& s) { return json_string(s); };
  std::ostringstream j;
  j << "{\n"
    << "  \"format\": \"neuroreg-torchscript\",\n"
    << "  \"format_version\": 1,\n"
    << "  \"backbone\": " << json_string(backbone) << ",\n"
    << "  \"description\": " << json_string(info.description) << ",\n"
    << "  \"input\": {\"layout\": \"NCHW\", \"shape\": [-1, " << example.size(1) << ", "
    << example.size(2) << ", " << example.size(3) << "], \"dtype\": "
    << json_string(dtype_name(example.scalar_type()))
    << ", \"range\": [0, 1], \"normalisation\": \"inside the model\"},\n"
    << "  \"output\": {\"kind\": \"logits\", \"shape\": [-1, " << num_classes
    << "], \"num_classes\": " << num_classes
    << ", \"class_names\": " << json_list(info.class_names, quoted) << "},\n"
    << "  \"batch_size\": \"dynamic\",\n"
    << "  \"mode\": \"eval (BatchNorm running statistics; the training flag has no effect)\",\n"
    << "  \"weights\": \"module parameters and buffers, named as in the C++ model\",\n"
    << "  \"traced_with\": {\"libtorch\": " << json_string(TORCH_VERSION)
    << ", \"device\": " << json_string(example.device().str())
    << ", \"example_batch_size\": " << example.size(0) << "}\n"
    << "}\n";
  return j.str();
}

// --- the module tree ----------------------------------------------------------

/// A TorchScript module with the same tree, parameters and buffers as `m`.
/// The tensors are shared, not copied: the tracer recognises a weight by its
/// identity and records a read of the attribute instead of a constant.
jit::Module mirror(const torch::nn::Module& m, const std::shared_ptr<jit::CompilationUnit>& cu) {
  jit::Module out(c10::QualifiedName("__torch__.neuroreg.exported." + type_atom(m.name())), cu,
                  /*shouldMangle=*/true);
  out.register_attribute("training", c10::BoolType::get(), false);
  for (const auto& p : m.named_parameters(/*recurse=*/false)) {
    if (p.value().defined()) out.register_parameter(p.key(), p.value(), /*is_buffer=*/false);
  }
  for (const auto& b : m.named_buffers(/*recurse=*/false)) {
    if (b.value().defined()) out.register_buffer(b.key(), b.value());
  }
  for (const auto& child : m.named_children()) {
    out.register_module(child.key(), mirror(*child.value(), cu));
  }
  return out;
}

/// Puts the model in eval mode for its lifetime, then gives every submodule
/// back its own mode (a model may keep, say, a frozen BatchNorm in eval).
class EvalModeGuard {
 public:
  explicit EvalModeGuard(torch::nn::Module& m) : m_(m) {
    // apply() visits a module before its children, so restoring in the same
    // order lets each module's train() be overridden by its descendants'.
    m_.apply([this](torch::nn::Module& sub) { modes_.emplace_back(&sub, sub.is_training()); });
    m_.eval();
  }
  ~EvalModeGuard() {
    for (const auto& [module, training] : modes_) module->train(training);
  }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  torch::nn::Module& m_;
  std::vector<std::pair<torch::nn::Module*, bool>> modes_;
};

void check_example(const torch::Tensor& images) {
  std::ostringstream got;
  if (!images.defined()) {
    got << "an undefined tensor";
  } else if (images.dim() != 4 || images.size(0) < 1 || !images.is_floating_point()) {
    got << "shape " << images.sizes() << " of type " << images.scalar_type();
  } else {
    const double lo = images.min().item<double>();
    const double hi = images.max().item<double>();
    if (lo >= 0.0 && hi <= 1.0) return;
    got << "values in [" << lo << ", " << hi << "]";
  }
  throw std::invalid_argument("export_torchscript: expected example images N×C×H×W (N >= 1) "
                              "of floats in [0,1], got " + got.str());
}

/// Traces model.forward on `example` and returns the module that runs it;
/// `logits` gets the forward's result on the example.
jit::Module trace_backbone(sdk::Backbone& model, const torch::Tensor& example,
                           torch::Tensor& logits) {
  auto cu = std::make_shared<jit::CompilationUnit>();
  jit::Module module = mirror(model, cu);
  auto [state, outputs] = jit::tracer::trace(
      {example},
      [&model](jit::Stack inputs) -> jit::Stack {
        return {model.forward(inputs.at(0).toTensor())};
      },
      /*var_name_lookup_fn=*/[](const torch::autograd::Variable&) { return std::string(); },
      /*strict=*/true, /*force_outplace=*/false, &module);
  logits = outputs.at(0).toTensor();
  std::shared_ptr<jit::Graph> graph = state->graph;
  graph->inputs().at(1)->setDebugName("images");  // input 0 is self
  jit::Function* forward =
      cu->create_function(c10::QualifiedName(*module.type()->name(), "forward"), graph);
  module.type()->addMethod(forward);
  return module;
}

std::string message_of(const std::exception& e) {
  // c10::Error's what() appends a C++ backtrace; the first line says it all.
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) return c10_error->msg();
  return e.what();
}

}  // namespace

void export_torchscript(sdk::Backbone& model, const torch::Tensor& example_images,
                        const std::string& path, const TorchScriptExportInfo& info) {
  check_example(example_images);
  torch::NoGradGuard no_grad;
  EvalModeGuard eval(model);
  const torch::Tensor example = example_images.contiguous();

  const std::string backbone = info.backbone.empty() ? type_atom(model.name()) : info.backbone;

  torch::Tensor logits;
  jit::Module module;
  try {
    module = trace_backbone(model, example, logits);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": cannot trace " + backbone + ".forward: " + message_of(e));
  }
  if (!logits.defined() || logits.dim() != 2 || logits.size(0) != example.size(0)) {
    std::ostringstream got;
    if (logits.defined()) {
      got << "shape " << logits.sizes();
    } else {
      got << "an undefined tensor";
    }
    throw std::runtime_error(path + ": " + backbone + ".forward must return logits N×K for " +
                             std::to_string(example.size(0)) + " images, got " + got.str());
  }
  const int64_t num_classes = logits.size(1);
  if (!info.class_names.empty() && static_cast<int64_t>(info.class_names.size()) != num_classes) {
    throw std::invalid_argument("export_torchscript: " + std::to_string(info.class_names.size()) +
                                " class names for " + std::to_string(num_classes) + " logits");
  }
  const std::string metadata = metadata_json(backbone, example, num_classes, info);
  module.register_attribute("neuroreg_metadata", c10::StringType::get(), metadata);
  module.eval();

  // A batch of another size, to check that the file does not bake in N.
  const torch::Tensor check_batch = torch::cat({example, example.slice(0, 0, 1).flip({3})});
  const torch::Tensor expected = model.forward(check_batch);

  sdk::write_atomically_with(path, [&](const std::string& tmp) {
    // Through a stream, so that the archive's inner folder is "archive" and
    // not the temporary file's name.
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(path + ": cannot create " + tmp);
    try {
      module.save(out, {{kTorchScriptMetadataFile, metadata}});
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ": cannot write the TorchScript file: " + message_of(e));
    }
    out.close();
    if (!out) throw std::runtime_error(path + ": write failed (disk full or no permission?)");
    torch::Tensor got;
    try {
      jit::Module reloaded = jit::load(tmp, example.device());
      got = reloaded.forward({check_batch}).toTensor();
    } catch (const std::exception& e) {
      throw std::runtime_error(
          path + ": the traced model fails on a batch of " + std::to_string(check_batch.size(0)) +
          " images after tracing on " + std::to_string(example.size(0)) +
          " (does forward() bake in sizes, e.g. x.view({x.size(0), -1})? use torch::flatten): " +
          message_of(e));
    }
    if (!got.sizes().equals(expected.sizes()) ||
        !torch::allclose(got, expected, /*rtol=*/1e-4, /*atol=*/1e-5)) {
      throw std::runtime_error(
          path + ": the traced model's logits differ from " + backbone +
          "'s on a batch of " + std::to_string(check_batch.size(0)) +
          " images (does forward() depend on the batch size, randomness or "
          "input-dependent control flow?)");
    }
  });
}

}  // namespace neuroreg
