// Training-time augmentation of the task batch (random crop with zero
// padding, horizontal flip), as the paper's CIFAR training uses it.
#pragma once

#include <neuroreg/sdk/options.h>
#include <torch/types.h>

#include <cstdint>

namespace neuroreg {

struct Augmentation {
  int64_t crop_padding = 0;      ///< pad by this many zero pixels, crop back at random
  bool horizontal_flip = false;  ///< mirror half of the images

  bool any() const { return crop_padding > 0 || horizontal_flip; }

  /// From the [dataset] table's random_crop_padding and horizontal_flip.
  static Augmentation from_options(const sdk::Options& dataset);
};

/// Augments a batch N×C×H×W. The draws come from (seed, step), so a resumed
/// run augments exactly as an unbroken one.
torch::Tensor augment(const torch::Tensor& images, const Augmentation& augmentation, uint64_t seed,
                      int64_t step);

}  // namespace neuroreg
