// Exporting a trained backbone as a TorchScript file, so that Python users can
// cross-check its robustness with their own tools (Foolbox, AutoAttack):
//
//   neuroreg::export_torchscript(*model, test_images.slice(0, 0, 2), "run/model.pt");
//
//   # Python
//   m = torch.jit.load("run/model.pt")        # already in eval mode
//   logits = m(images)                        # images N×C×H×W in [0,1], any N
//   extra = {"neuroreg.json": ""}
//   torch.jit.load("run/model.pt", _extra_files=extra)   # the metadata
//
// LibTorch C++ cannot script a C++ module, so the model's forward() is traced
// on the example batch in eval mode. The trace runs against a TorchScript
// module that mirrors the C++ module tree and holds the very same parameter
// and buffer tensors, so the graph reads the weights as named attributes
// (m.state_dict() keys are the C++ model's named_parameters() and
// named_buffers() names, e.g. "layer1.0.bn1.running_mean") rather than
// inlining them as constants. Tensors that forward() creates itself are baked
// in as constants (on the example's device).
//
// Tracing records one path through forward(): control flow that depends on
// the input, and sizes read in C++ (`x.view({x.size(0), -1})`) are frozen at
// the example's values. The export therefore checks, before the file is put
// in place, that the saved file reloads and reproduces the model's logits on a
// batch of a different size; a model that bakes in its batch size is refused
// (use torch::flatten(x, 1) instead of such a view).
#pragma once

#include <neuroreg/sdk/backbone.h>
#include <torch/types.h>

#include <string>
#include <vector>

namespace neuroreg {

/// The name of the metadata file stored inside the TorchScript archive (read
/// it with torch.jit.load(path, _extra_files={"neuroreg.json": ""}) in
/// Python, or torch::jit::load(path, device, extra_files) in C++). The same
/// JSON is also the top module's string attribute `neuroreg_metadata`.
inline constexpr const char* kTorchScriptMetadataFile = "neuroreg.json";

/// Optional additions to the exported file's metadata.
struct TorchScriptExportInfo {
  /// The backbone's component name, e.g. "resnet18"; empty means the C++
  /// class name ("ResNet").
  std::string backbone;
  /// One name per logit, written to the metadata; empty means none. When
  /// given, its size must match the model's number of logits.
  std::vector<std::string> class_names;
  /// Free text for the metadata, e.g. the run name or its config file.
  std::string description;
};

/// Writes `model` as a TorchScript module to `path` (atomically: a temporary
/// file beside it, then a rename; missing parent folders are created). The
/// module computes `model.forward(images)` in eval mode (BatchNorm running
/// statistics, no dropout) for images N×C×H×W in [0,1] of any batch size N;
/// its `training` flag has no effect. `example_images` (a small batch, one or
/// two images suffice, on the model's device) fixes C, H and W. The model is
/// put in eval mode while exporting; each submodule's own mode is restored
/// after.
///
/// Throws std::invalid_argument for a malformed example, and
/// std::runtime_error naming `path` when tracing, writing or the check of the
/// written file fails (an existing file at `path` is then left as it was).
void export_torchscript(sdk::Backbone& model, const torch::Tensor& example_images,
                        const std::string& path, const TorchScriptExportInfo& info = {});

}  // namespace neuroreg
