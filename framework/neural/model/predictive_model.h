// A predictive model of one scan's neurons: core → readout → × behavioural
// gain → ELU+1 (positive rates, as the Poisson loss needs).
//
//   paper_cnn            Li et al. 2019: the 3-layer skip CNN, point readout,
//                        shifter (pupil → readout shift) and modulator
//   rotation_equivariant Ecker et al. 2019: the Hermite-steerable core with a
//                        factorised readout, and the modulator
//   regular_cnn          the same layout and channels with free filters
//
// Inputs are what normalized() makes of a scan: z-scored images N×1×H×W,
// behaviour N×3 and pupil centre N×2.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "neural/model/core.h"
#include "neural/model/readouts.h"

namespace neuroreg {

struct ModelSettings {
  std::string core = "paper_cnn";
  /// rotation_equivariant: features per rotation (Ecker et al.: 16);
  /// regular_cnn: its channels are rotations × features, as the comparison
  /// at equal channels asks. Unused by paper_cnn (32 channels per layer).
  int64_t features = 16;
  int64_t rotations = 8;
};

/// The cores by name, for help texts and errors.
const std::vector<std::string>& core_names();

/// Makes the named core; std::invalid_argument naming the choices otherwise.
std::shared_ptr<Core> make_core(const ModelSettings& settings);

class PredictiveModel : public torch::nn::Module {
 public:
  /// A model of `neurons` neurons seeing height×width images with
  /// `behaviors` behavioural variables. Initialisation draws from torch's
  /// global generator (seed it first).
  PredictiveModel(const ModelSettings& settings, int64_t neurons, int64_t height, int64_t width,
                  int64_t behaviors);

  /// Rates N×neurons, positive.
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& behavior,
                        const torch::Tensor& pupil_center);

  /// Starts the readout where the data say each neuron looks (see
  /// contrast_maps) and with each neuron's mean rate, from normalised
  /// training images and responses.
  void start_readout(const torch::Tensor& images, const torch::Tensor& responses);

  /// Every penalty of core and readout, a scalar.
  torch::Tensor regularization();

  const ModelSettings& settings() const { return settings_; }
  int64_t neurons() const { return neurons_; }

  /// Saves weights and shape atomically; load_predictive_model rebuilds it.
  void save_to(const std::string& path);

 private:
  ModelSettings settings_;
  int64_t neurons_, height_, width_, behaviors_;
  int64_t grid_height_ = 0, grid_width_ = 0;  // the core's output map
  std::shared_ptr<Core> core_;
  std::shared_ptr<PointReadout> point_;
  std::shared_ptr<FactorizedReadout> factorized_;
  std::shared_ptr<Shifter> shifter_;
  std::shared_ptr<Modulator> modulator_;
};

/// Reads a model written by save_to. Throws std::runtime_error naming the
/// file when it is missing or not a predictive model.
std::shared_ptr<PredictiveModel> load_predictive_model(const std::string& path);

}  // namespace neuroreg
