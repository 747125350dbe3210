// Stimulus batches: the second batch of each training step (Li et al., Fig. 3),
// drawn from a stimulus set and shown to the network at its input size.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "neuroreg/sdk/dataset.h"
#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// Images N×C×h×w in [0,1] resized to height×width: bilinear, antialiased
/// when shrinking, clamped back to [0,1]. Returned as is when the size fits.
NEUROREG_SDK_API torch::Tensor resized(const torch::Tensor& images, int64_t height, int64_t width);

class NEUROREG_SDK_API StimulusBatches {
 public:
  /// `stimuli` N×1×h×w in [0,1] are resized once (bilinear, antialiased when
  /// shrinking) to the task's H×W, with the channel repeated to its C.
  StimulusBatches(const torch::Tensor& stimuli, const DatasetInfo& input, uint64_t seed);

  int64_t size() const { return stimuli_.size(0); }

  /// `batch` distinct stimulus indices for a training step. A pure function of
  /// (seed, step): a resumed run draws the same batches as an unbroken one.
  torch::Tensor indices(int64_t step, int64_t batch) const;

  /// The stimuli at `indices`, on `device`.
  torch::Tensor images(const torch::Tensor& indices, torch::Device device);

  /// All resized stimuli (N×C×H×W).
  const torch::Tensor& all() const { return stimuli_; }

 private:
  torch::Tensor stimuli_;
  uint64_t seed_;
};

}  // namespace neuroreg::sdk
