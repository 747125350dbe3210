// Dataset components: labelled images in [0,1].
//
// A dataset plugin reads its published format and hands the host whole
// splits as tensors. Subsetting, the validation split and batching are the
// host's job, so every dataset gets them the same way.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// Shape and label metadata of a dataset's images.
struct NEUROREG_SDK_API DatasetInfo {
  int64_t channels = 1;
  int64_t height = 32;
  int64_t width = 32;
  int64_t num_classes = 10;
  std::vector<std::string> class_names;  ///< empty, or one per class
};

/// One split: images float32 N×C×H×W in [0,1], labels int64 N in [0, classes).
struct NEUROREG_SDK_API Split {
  torch::Tensor images;
  torch::Tensor labels;
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

/// What the host tells a dataset when it creates one.
struct NEUROREG_SDK_API DatasetContext {
  uint64_t seed = 0;  ///< for datasets that generate or shuffle
};

/// A dataset plugin. The host checks what it returns (shapes, dtypes, range).
class NEUROREG_SDK_API Dataset {
 public:
  virtual ~Dataset();
  virtual DatasetInfo info() const = 0;
  /// The training split, read in full (the host subsets it).
  virtual Split train() = 0;
  /// The held-out test split, read in full.
  virtual Split test() = 0;
};

}  // namespace neuroreg::sdk
