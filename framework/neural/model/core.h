// A predictive model's core: the part shared by every neuron of a scan,
// turning stimuli into a feature map that per-neuron readouts sample.
//
// Three cores exist (make_core in cores.h): the paper's 3-layer CNN with
// skip connections (Li et al. 2019), the rotation-equivariant core of Ecker
// et al. (ICLR 2019), and a regular CNN with the equivariant core's layout
// and channel count, the comparison that paper makes.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>

namespace neuroreg {

class Core : public torch::nn::Module {
 public:
  /// Features N×C×h×w of normalised images N×1×H×W.
  virtual torch::Tensor forward(const torch::Tensor& images) = 0;

  /// C, the number of feature channels forward returns.
  virtual int64_t out_channels() const = 0;

  /// The core's weight penalty (a scalar added to the fitting loss), e.g.
  /// smoothness of the first layer's filters and sparsity of the others.
  virtual torch::Tensor regularization() = 0;
};

}  // namespace neuroreg
