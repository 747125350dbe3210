// Regularizer components: the L_sim term of L = L_task + α·L_sim (Eq. 7).
//
// The host owns α, the optimizer and the training loop. A regularizer returns
// its unweighted loss for one training step. It may ask for taps of the task
// batch's forward pass (task_taps), which the host computes in the same pass
// as the logits, so matching on the task batch costs no extra forward. A
// regularizer with its own stimulus batch asks for no task taps and runs
// model.forward_taps itself; the host calls it before the task pass and
// backpropagates its loss at once, so only one pass's activations are held.
// Regularizers are torch modules: parameters they register (e.g. the layer
// mixing logits γ) are trained by the host's optimizer, without weight decay.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "neuroreg/sdk/backbone.h"
#include "neuroreg/sdk/dataset.h"
#include "neuroreg/sdk/options.h"
#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// One training step's view, as the host hands it to a regularizer.
struct NEUROREG_SDK_API RegularizerInput {
  Backbone& model;
  const torch::Tensor& images;                      ///< task batch, N×C×H×W in [0,1]
  const torch::Tensor& labels;                      ///< task labels, N
  const std::vector<torch::Tensor>& task_features;  ///< the task_taps() of this batch
  int64_t step = 0;                                 ///< global step, from 0
  /// The same batch before augmentation; undefined when nothing was augmented.
  torch::Tensor unaugmented = {};

  /// Data-parallel training (host's [run] distributed): this process's rank
  /// and the number of processes. Each process gets its share of the task
  /// batch; the host averages the gradients over them.
  int rank = 0;
  int world_size = 1;

  /// The unaugmented batch when there is one, else the task batch.
  const torch::Tensor& clean_images() const { return unaugmented.defined() ? unaugmented : images; }

  /// The task batch's size over all processes (images.size(0) × world_size).
  int64_t task_batch() const { return images.size(0) * world_size; }

  /// This process's contiguous share of `batch` (dim 0): all of it in a
  /// single process. A regularizer that draws its own stimulus batch for the
  /// step (the same on every process: a function of the step) takes its
  /// share with this, as the host does with the task batch. Throws
  /// std::invalid_argument when the batch does not split evenly.
  torch::Tensor shard(const torch::Tensor& batch) const {
    if (world_size == 1) return batch;
    const int64_t n = batch.size(0);
    if (n % world_size != 0) {
      throw std::invalid_argument("a batch of " + std::to_string(n) +
                                  " does not split evenly over " + std::to_string(world_size) +
                                  " processes; choose a batch size divisible by it");
    }
    const int64_t share = n / world_size;
    return batch.slice(0, rank * share, (rank + 1) * share);
  }
};

/// What the host tells a regularizer when it creates one.
struct NEUROREG_SDK_API RegularizerContext {
  Backbone& model;    ///< the model it will regularize (resolve taps here)
  DatasetInfo input;  ///< the task's images
  uint64_t seed = 0;
  /// Creates another backbone by plugin name, its declared defaults overridden
  /// by `options` (e.g. a frozen VGG19 that computes a target). May be empty
  /// when the host offers no other backbones.
  std::function<std::shared_ptr<Backbone>(const std::string& name,
                                          const std::map<std::string, OptionValue>& options)>
      make_backbone = {};
};

class NEUROREG_SDK_API Regularizer : public torch::nn::Module {
 public:
  ~Regularizer() override;

  /// Taps (indices into model.taps()) wanted from the task batch's forward.
  virtual std::vector<int> task_taps() const { return {}; }

  /// The unweighted loss for this step: a scalar tensor, or an undefined
  /// tensor when the regularizer adds nothing (the `none` control).
  virtual torch::Tensor loss(const RegularizerInput& input) = 0;

  /// Values worth logging per epoch, e.g. {"gamma/conv5": 0.8}.
  virtual std::map<std::string, double> diagnostics() const { return {}; }
};

}  // namespace neuroreg::sdk
