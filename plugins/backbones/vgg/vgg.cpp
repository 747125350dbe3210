// `vgg19`: torchvision's VGG19 (configuration "E", no batch norm), able to
// load torchvision's published ImageNet weights from a file the user names.
//
// It serves as the fixed ImageNet network of Li et al. 2019's `vgg` control
// (the target similarity of conv3_1 features), and as a classifier.
//
// Parameter names are torchvision's state-dict keys (features.0.weight ...
// features.34.bias, classifier.0/3/6.weight/bias): features and classifier are
// Sequentials whose indices count the ReLUs and max-pools too.
//
// Taps are the 16 conv layers as the VGG literature names them, conv1_1 ...
// conv5_4 (layers 1-16; alias relu1_1 ...): each tap is the ReLU output of its
// conv. A pass without logits stops after the deepest requested tap, so the
// vgg control's conv3_1 costs only the first five convs.
//
// Input: images N×1×H×W or N×3×H×W in [0,1]. Inside the model a grayscale
// image is repeated to three channels, optionally resized (bilinear, option
// `resize`), and normalised with ImageNet's mean and std. Features work on
// any size of at least 32×32 (five 2×2 max-pools); the classifier sees a
// fixed 7×7 grid through the adaptive average pool, as in torchvision.
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "state_dict_file.h"

namespace {

namespace nn = torch::nn;
namespace F = torch::nn::functional;
using neuroreg::sdk::BackboneContext;
using neuroreg::sdk::Options;
using neuroreg::sdk::TapInfo;
using neuroreg::sdk::TappedForward;

constexpr const char* kName = "vgg19";
// Configuration "E": convs per block and the block's channels.
constexpr int kConvsPerBlock[] = {2, 2, 4, 4, 4};
constexpr int64_t kBlockChannels[] = {64, 128, 256, 512, 512};
constexpr int64_t kHidden = 4096;
constexpr int64_t kPoolGrid = 7;  // the adaptive average pool's output size
constexpr int64_t kMinSize = 32;  // five 2×2 max-pools

std::string shape_text(torch::IntArrayRef sizes) {
  std::ostringstream text;
  text << sizes;
  return text.str();
}

class Vgg19 : public neuroreg::sdk::Backbone {
 public:
  Vgg19(const Options& options, const BackboneContext& context)
      : divisor_(options.get_int("width_divisor")), resize_(options.get_int("resize")) {
    int64_t classes = options.get_int("num_classes");
    if (classes == 0) classes = context.input.num_classes;
    if (classes < 1) {
      throw std::invalid_argument(std::string(kName) +
                                  ": the dataset must have at least one class");
    }

    nn::Sequential features;
    int64_t in = 3;
    for (int block = 0; block < 5; ++block) {
      const int64_t out = kBlockChannels[block] / divisor_;
      for (int i = 0; i < kConvsPerBlock[block]; ++i) {
        convs_.push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)));
        features->push_back(convs_.back());
        features->push_back(nn::ReLU());
        pool_after_.push_back(i + 1 == kConvsPerBlock[block]);
        const int layer = static_cast<int>(taps_.size()) + 1;
        const std::string suffix = std::to_string(block + 1) + "_" + std::to_string(i + 1);
        taps_.push_back({"conv" + suffix, layer, "relu" + suffix});
        in = out;
      }
      features->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(2)));
    }
    features_ = register_module("features", features);
    const int64_t hidden = kHidden / divisor_;
    classifier_ = register_module(
        "classifier", nn::Sequential(nn::Linear(in * kPoolGrid * kPoolGrid, hidden), nn::ReLU(),
                                     nn::Dropout(0.5), nn::Linear(hidden, hidden), nn::ReLU(),
                                     nn::Dropout(0.5), nn::Linear(hidden, classes)));
    init_weights();

    const std::string& weights = options.get_string("weights");
    if (!weights.empty()) load_weights(weights, options.get_bool("reinit_classifier"));
    if (options.get_bool("freeze")) {
      for (auto& parameter : parameters()) parameter.requires_grad_(false);
    }
  }

  const std::vector<TapInfo>& taps() const override { return taps_; }

  torch::Tensor forward(const torch::Tensor& images) override {
    return forward_taps(images, {}, true).logits;
  }

  TappedForward forward_taps(const torch::Tensor& images, const std::vector<int>& tap_indices,
                             bool with_logits) override {
    int deepest = -1;  // the last conv we must run
    for (int index : tap_indices) {
      if (index < 0 || index >= static_cast<int>(taps_.size())) {
        throw std::invalid_argument(std::string(kName) + ": tap index " + std::to_string(index) +
                                    " is out of range [0, " + std::to_string(taps_.size()) + ")");
      }
      deepest = std::max(deepest, index);
    }
    if (with_logits) deepest = static_cast<int>(taps_.size()) - 1;

    TappedForward result;
    result.features.resize(tap_indices.size());
    torch::Tensor x = prepare(images);
    if (deepest < 0) return result;
    for (int k = 0; k <= deepest; ++k) {
      x = torch::relu(convs_[k]->forward(x));
      for (size_t i = 0; i < tap_indices.size(); ++i) {
        if (tap_indices[i] == k) result.features[i] = x;
      }
      if (pool_after_[k]) x = torch::max_pool2d(x, 2, 2);
    }
    if (with_logits) {
      x = torch::adaptive_avg_pool2d(x, {kPoolGrid, kPoolGrid}).flatten(1);
      result.logits = classifier_->forward(x);
    }
    return result;
  }

 private:
  // Checks the images, then resizes, repeats grayscale to RGB and normalises.
  torch::Tensor prepare(const torch::Tensor& images) const {
    if (!images.defined() || images.dim() != 4 || (images.size(1) != 1 && images.size(1) != 3) ||
        !images.is_floating_point()) {
      std::ostringstream got;
      if (!images.defined()) {
        got << "an undefined tensor";
      } else {
        got << "shape " << images.sizes() << " of type " << images.scalar_type();
      }
      throw std::invalid_argument(std::string(kName) +
                                  ": expected float images N×1×H×W or N×3×H×W, got " + got.str());
    }
    torch::Tensor x = images;
    if (resize_ > 0 && (x.size(2) != resize_ || x.size(3) != resize_)) {
      x = F::interpolate(x, F::InterpolateFuncOptions()
                                .size(std::vector<int64_t>{resize_, resize_})
                                .mode(torch::kBilinear)
                                .align_corners(false));
    }
    if (x.size(2) < kMinSize || x.size(3) < kMinSize) {
      throw std::invalid_argument(std::string(kName) + ": images must be at least 32×32 (or set " +
                                  "option 'resize'), got " + std::to_string(x.size(2)) + "×" +
                                  std::to_string(x.size(3)));
    }
    if (x.size(1) == 1) x = x.expand({-1, 3, -1, -1});
    const auto options = x.options();
    const torch::Tensor mean = torch::tensor({0.485, 0.456, 0.406}, options).view({1, 3, 1, 1});
    const torch::Tensor stdev = torch::tensor({0.229, 0.224, 0.225}, options).view({1, 3, 1, 1});
    return (x - mean) / stdev;
  }

  // As torchvision: He init (fan_out) for convs, N(0, 0.01) for linears, zero biases.
  void init_weights() {
    torch::NoGradGuard no_grad;
    for (auto& module : modules(/*include_self=*/false)) {
      if (auto* conv = module->as<nn::Conv2d>()) {
        nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
        nn::init::zeros_(conv->bias);
      } else if (auto* linear = module->as<nn::Linear>()) {
        nn::init::normal_(linear->weight, 0.0, 0.01);
        nn::init::zeros_(linear->bias);
      }
    }
  }

  // Copies torchvision's state dict into the parameters, after checking that
  // it holds exactly our keys with our shapes. With `reinit_classifier` a last
  // layer for another number of classes is skipped (it keeps its fresh init).
  void load_weights(const std::string& path, bool reinit_classifier) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      throw std::runtime_error(path + ": no such file; download torchvision's vgg19 weights " +
                               "(vgg19-dcbb9e9d.pth) and set option 'weights' to its path");
    }
    const neuroreg::vgg::StateDict loaded = neuroreg::vgg::read_state_dict(path);
    auto parameters = named_parameters();

    std::vector<std::string> missing, unexpected, wrong_shape;
    std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // parameter, value
    std::set<std::string> seen;
    for (const auto& [key, value] : loaded) {
      seen.insert(key);
      torch::Tensor* parameter = parameters.find(key);
      if (parameter == nullptr) {
        unexpected.push_back(key);
        continue;
      }
      if (value.sizes() != parameter->sizes()) {
        const bool other_classes = key.rfind("classifier.6.", 0) == 0 &&
                                   value.dim() == parameter->dim() &&
                                   value.sizes().slice(1) == parameter->sizes().slice(1);
        if (!(reinit_classifier && other_classes)) {
          wrong_shape.push_back(key + " expected " + shape_text(parameter->sizes()) + ", found " +
                                shape_text(value.sizes()));
        }
        continue;
      }
      if (!value.is_floating_point()) {
        wrong_shape.push_back(key + " expected floating point, found " +
                              std::string(c10::toString(value.scalar_type())));
        continue;
      }
      copies.emplace_back(*parameter, value);
    }
    for (const auto& item : parameters) {
      if (seen.count(item.key()) == 0) missing.push_back(item.key());
    }

    if (!missing.empty() || !unexpected.empty() || !wrong_shape.empty()) {
      std::string message = path + ": does not fit " + kName + " (width_divisor " +
                            std::to_string(divisor_) + ", " + std::to_string(classifier_outputs()) +
                            " classes):";
      auto list = [&](const char* what, const std::vector<std::string>& items) {
        if (items.empty()) return;
        message += std::string(message.back() == ':' ? " " : "; ") + what + ": ";
        for (size_t i = 0; i < items.size(); ++i) message += (i ? ", " : "") + items[i];
      };
      list("missing keys", missing);
      list("unexpected keys", unexpected);
      list("wrong shapes", wrong_shape);
      throw std::runtime_error(message);
    }
    torch::NoGradGuard no_grad;
    for (auto& [parameter, value] : copies) parameter.copy_(value);
  }

  int64_t classifier_outputs() const { return classifier_->named_parameters()["6.bias"].size(0); }

  int64_t divisor_;
  int64_t resize_;
  nn::Sequential features_{nullptr};
  nn::Sequential classifier_{nullptr};
  std::vector<nn::Conv2d> convs_;  // the convs of features_, in order
  std::vector<bool> pool_after_;   // whether a max-pool follows conv k
  std::vector<TapInfo> taps_;
};

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::sdk::OptionList options;
  options
      .add_string("weights", "",
                  "torchvision's vgg19 state dict (vgg19-dcbb9e9d.pth, or any torch.save of a "
                  "vgg19 state_dict()); empty: random initialisation as torchvision's")
      .existing_file()
      .add_int("num_classes", 0, "outputs of the last layer; 0: the dataset's number of classes")
      .between(0, 100000)
      .add_bool("reinit_classifier", true,
                "when the weights have another number of classes, keep their features and "
                "train a new last layer (classifier.6); false: that is an error")
      .add_bool("freeze", false, "no parameter requires grad (VGG only provides targets)")
      .add_int("resize", 0,
               "resize images to resize×resize (bilinear) inside the model, e.g. 224; 0: keep "
               "their size (at least 32×32)")
      .between(kMinSize, 1024)
      .or_zero()
      .add_int("width_divisor", 1,
               "divides every width (channels 64..512, hidden 4096); 1 is the published "
               "architecture, larger values make small test models")
      .one_of_ints({1, 2, 4, 8, 16, 32, 64});
  registrar.add_backbone(
      {kName,
       "torchvision's VGG19 (no batch norm), loads its ImageNet weights; taps conv1_1..conv5_4",
       options.specs()},
      [](const Options& opts, const BackboneContext& context) {
        return std::make_shared<Vgg19>(opts, context);
      });
}

}  // namespace

NEUROREG_PLUGIN("vgg", "0.1.0", register_components)
