// Reading a state dict that PyTorch saved: `torch.save(model.state_dict(), path)`.
//
// Both containers torch.save has written since 2017 are read: the zip archive
// (the default since PyTorch 1.6, and what torch::pickle_save writes) and the
// legacy stream of pickles followed by raw storages (torchvision's older
// published weights, vgg19-dcbb9e9d.pth among them). Tensors come back on the
// CPU in their saved dtype.
//
//   StateDict weights = read_state_dict("vgg19-dcbb9e9d.pth");
//   for (const auto& [name, tensor] : weights) ...
#pragma once

#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace neuroreg::vgg {

/// Parameter name → tensor, in the file's order.
using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

/// Reads the state dict saved at `path`. Throws std::runtime_error starting
/// with `path` when the file cannot be opened, is not a torch.save file, or
/// does not hold a dict of string → tensor.
StateDict read_state_dict(const std::string& path);

}  // namespace neuroreg::vgg
