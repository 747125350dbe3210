// Backbone components: classifiers with named feature taps.
//
// A backbone takes images in [0,1] (its input normalisation lives inside it),
// returns logits, and exposes intermediate activations ("taps") so that a
// regularizer can compare representations. Taps are numbered as the paper
// counts conv layers (ResNet18: 1 is the stem, 5/9/13/17 end the four groups).
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "neuroreg/sdk/dataset.h"
#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// One feature tap: the output of a conv layer.
struct NEUROREG_SDK_API TapInfo {
  std::string name;   ///< unique, e.g. "conv5"
  int layer = 0;      ///< conv layer number, counted from the input (1-based)
  std::string alias;  ///< optional second name, e.g. "group1"; may be empty
};

/// The result of a forward pass with taps.
struct NEUROREG_SDK_API TappedForward {
  torch::Tensor logits;                 ///< undefined when logits were not asked for
  std::vector<torch::Tensor> features;  ///< one per requested tap, in request order
};

/// A classifier with feature taps. Implementations are torch modules, so the
/// host can move, train, save and load them like any other.
class NEUROREG_SDK_API Backbone : public torch::nn::Module {
 public:
  ~Backbone() override;

  /// The taps, ordered from the input towards the output.
  virtual const std::vector<TapInfo>& taps() const = 0;

  /// Logits for images N×C×H×W in [0,1].
  virtual torch::Tensor forward(const torch::Tensor& images) = 0;

  /// Runs the network once and returns the requested taps (indices into
  /// taps()). Without logits it stops after the deepest requested tap, so a
  /// pass that only needs early features costs only the early layers.
  virtual TappedForward forward_taps(const torch::Tensor& images,
                                     const std::vector<int>& tap_indices, bool with_logits) = 0;
};

/// Finds a tap by name, alias, layer number ("5") or "layer5". Throws
/// std::invalid_argument listing the available taps when none matches.
NEUROREG_SDK_API int resolve_tap(const Backbone& backbone, const std::string& which);

/// What the host tells a backbone when it creates one.
struct NEUROREG_SDK_API BackboneContext {
  DatasetInfo input;  ///< image shape and number of classes
};

}  // namespace neuroreg::sdk
