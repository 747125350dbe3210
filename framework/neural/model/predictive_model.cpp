#include "neural/model/predictive_model.h"

#include <absl/strings/str_join.h>
#include <neuroreg/sdk/atomic_file.h>
#include <torch/torch.h>

#include <filesystem>
#include <stdexcept>

#include "neural/model/cnn_cores.h"
#include "neural/model/rotation_equivariant_core.h"

namespace neuroreg {
namespace {

// Readout penalties, relative to a Poisson loss summed over neurons.
constexpr double kPointSparsity = 0.02;
constexpr double kMaskSparsity = 0.05;
constexpr double kFeatureSparsity = 0.01;
// Pooled copies let a position feel features from farther away, but each
// costs as much as the full map's sampling; contrast_maps starts positions
// close enough that the full map alone suffices.
constexpr int64_t kPoolSteps = 0;
constexpr int64_t kShifterHidden = 5;
constexpr int64_t kModulatorHidden = 10;
constexpr int64_t kFormat = 1;  // bump when the saved layout changes

}  // namespace

const std::vector<std::string>& core_names() {
  static const std::vector<std::string> names = {"paper_cnn", "rotation_equivariant",
                                                 "regular_cnn"};
  return names;
}

std::shared_ptr<Core> make_core(const ModelSettings& settings) {
  if (settings.features < 1 || settings.rotations < 1) {
    throw std::invalid_argument("features and rotations must be ≥ 1");
  }
  if (settings.core == "paper_cnn") return std::make_shared<SkipCnnCore>(SkipCnnSettings{});
  if (settings.core == "rotation_equivariant") {
    RotationEquivariantSettings core;
    core.rotations = settings.rotations;
    core.features = settings.features;
    core.padded = false;  // like regular_cnn: the readout sees the valid region only
    return std::make_shared<RotationEquivariantCore>(core);
  }
  if (settings.core == "regular_cnn") {
    RegularCnnSettings core;
    core.channels = settings.rotations * settings.features;
    return std::make_shared<RegularCnnCore>(core);
  }
  throw std::invalid_argument("unknown core '" + settings.core +
                              "'; expected one of: " + absl::StrJoin(core_names(), ", "));
}

PredictiveModel::PredictiveModel(const ModelSettings& settings, int64_t neurons, int64_t height,
                                 int64_t width, int64_t behaviors)
    : settings_(settings),
      neurons_(neurons),
      height_(height),
      width_(width),
      behaviors_(behaviors) {
  if (neurons < 1) throw std::invalid_argument("a predictive model needs at least one neuron");
  core_ = register_module("core", make_core(settings));
  // The readout's shape follows the core's output for this image size.
  torch::Tensor probe;
  {
    torch::NoGradGuard no_grad;
    core_->eval();
    probe = core_->forward(torch::zeros({1, 1, height, width}));
    core_->train();
  }
  if (probe.size(2) < 1 || probe.size(3) < 1) {
    throw std::invalid_argument("images of " + std::to_string(height) + "×" +
                                std::to_string(width) + " are too small for the " + settings.core +
                                " core");
  }
  const int64_t channels = core_->out_channels();
  grid_height_ = probe.size(2);
  grid_width_ = probe.size(3);
  if (settings.core == "paper_cnn") {
    point_ = register_module(
        "readout", std::make_shared<PointReadout>(neurons, channels, kPoolSteps, kPointSparsity));
    shifter_ = register_module("shifter", std::make_shared<Shifter>(kShifterHidden));
  } else {
    factorized_ = register_module("readout", std::make_shared<FactorizedReadout>(
                                                 neurons, channels, probe.size(2), probe.size(3),
                                                 kMaskSparsity, kFeatureSparsity));
  }
  if (behaviors > 0) {
    modulator_ = register_module("modulator",
                                 std::make_shared<Modulator>(behaviors, kModulatorHidden, neurons));
  }
}

torch::Tensor PredictiveModel::forward(const torch::Tensor& images, const torch::Tensor& behavior,
                                       const torch::Tensor& pupil_center) {
  const torch::Tensor features = core_->forward(images);
  torch::Tensor drive = point_ ? point_->forward(features, shifter_->forward(pupil_center))
                               : factorized_->forward(features);
  if (modulator_) drive = drive * modulator_->forward(behavior);
  return torch::elu(drive) + 1;
}

void PredictiveModel::start_readout(const torch::Tensor& images, const torch::Tensor& responses) {
  const torch::Tensor maps = contrast_maps(images, responses, grid_height_, grid_width_);
  if (point_) point_->start_at_peaks(maps);
  if (factorized_) factorized_->start_from_maps(maps);
  // Biases where ELU+1 gives each neuron its mean rate, so the first epochs
  // fit stimulus dependence rather than the offset.
  const torch::Tensor mean = responses.mean(0).clamp_min(1e-3);
  torch::NoGradGuard no_grad;
  (point_ ? point_->bias : factorized_->bias).copy_(torch::where(mean < 1, mean.log(), mean - 1));
}

torch::Tensor PredictiveModel::regularization() {
  return core_->regularization() +
         (point_ ? point_->regularization() : factorized_->regularization());
}

void PredictiveModel::save_to(const std::string& path) {
  sdk::write_atomically_with(path, [&](const std::string& tmp) {
    torch::serialize::OutputArchive archive, weights;
    save(weights);
    archive.write("format", torch::tensor(kFormat));
    archive.write("core", c10::IValue(settings_.core));
    archive.write("shape", torch::tensor({neurons_, height_, width_, behaviors_, settings_.features,
                                          settings_.rotations}));
    archive.write("weights", weights);
    archive.save_to(tmp);
  });
}

std::shared_ptr<PredictiveModel> load_predictive_model(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error(path + ": no such model file (fit one with 'neuroreg neural fit')");
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    torch::Tensor format, shape;
    c10::IValue core;
    if (!archive.try_read("format", format) || format.item<int64_t>() != kFormat ||
        !archive.try_read("core", core) || !archive.try_read("shape", shape)) {
      throw std::runtime_error("not a predictive model of this version");
    }
    const auto s = shape.accessor<int64_t, 1>();
    ModelSettings settings;
    settings.core = core.toStringRef();
    settings.features = s[4];
    settings.rotations = s[5];
    auto model = std::make_shared<PredictiveModel>(settings, s[0], s[1], s[2], s[3]);
    torch::serialize::InputArchive weights;
    archive.read("weights", weights);
    model->load(weights);
    return model;
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": cannot read the predictive model: " + e.what());
  }
}

}  // namespace neuroreg
