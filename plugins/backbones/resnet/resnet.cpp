// `resnet18` / `resnet34`: CIFAR-style ResNets (He et al. 2016) with feature
// taps numbered as the paper counts conv layers.
//
// CIFAR-style means a 3×3 stride-1 stem and no max-pool, so 32×32 inputs keep
// their resolution through group 1 (32, 16, 8, 4 over the four groups). Input
// normalisation lives inside the model so every caller (trainer, attacks,
// regularizers) passes images in [0,1] and attacks clip in that space.
//
// Taps: layer 1 is the stem (after BN+ReLU); each basic block adds two layers,
// relu(bn1(conv1(x))) and the block's output (after the residual add and
// ReLU). 1×1 shortcut convs are not counted, as in the paper.
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace nn = torch::nn;
using neuroreg::sdk::BackboneContext;
using neuroreg::sdk::Options;
using neuroreg::sdk::TapInfo;
using neuroreg::sdk::TappedForward;

nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}

/// Two 3×3 convs with a residual connection; a 1×1 conv+BN shortcut when the
/// stride or width changes (torchvision's "option B").
class BasicBlock : public nn::Module {
 public:
  BasicBlock(int64_t in, int64_t out, int64_t stride)
      : conv1(register_module("conv1", conv3x3(in, out, stride))),
        bn1(register_module("bn1", nn::BatchNorm2d(out))),
        conv2(register_module("conv2", conv3x3(out, out, 1))),
        bn2(register_module("bn2", nn::BatchNorm2d(out))) {
    if (stride != 1 || in != out) {
      shortcut = register_module(
          "shortcut",
          nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                         nn::BatchNorm2d(out)));
    }
  }

  /// The block's first tap (its first conv layer).
  torch::Tensor first(const torch::Tensor& x) { return torch::relu(bn1(conv1(x))); }

  /// The block's output (its second conv layer) from `mid` = first(x).
  torch::Tensor second(const torch::Tensor& x, const torch::Tensor& mid) {
    torch::Tensor residual = shortcut.is_empty() ? x : shortcut->forward(x);
    return torch::relu(bn2(conv2(mid)) + residual);
  }

  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  nn::Conv2d conv2;
  nn::BatchNorm2d bn2;
  nn::Sequential shortcut{nullptr};
};

class ResNet : public neuroreg::sdk::Backbone {
 public:
  ResNet(std::string name, const std::vector<int>& blocks_per_group, const Options& options,
         const BackboneContext& context)
      : name_(std::move(name)),
        channels_(context.input.channels),
        mean_(options.get_float("input_mean")),
        std_(options.get_float("input_std")) {
    const int64_t width = options.get_int("width");
    if (channels_ < 1 || context.input.num_classes < 1) {
      throw std::invalid_argument(name_ + ": the dataset must have at least one channel and " +
                                  "one class, got " + std::to_string(channels_) + " channels and " +
                                  std::to_string(context.input.num_classes) + " classes");
    }

    stem_conv_ = register_module("conv1", conv3x3(channels_, width, 1));
    stem_bn_ = register_module("bn1", nn::BatchNorm2d(width));
    taps_.push_back({"conv1", 1, "stem"});

    int64_t in = width;
    for (size_t g = 0; g < blocks_per_group.size(); ++g) {
      const int64_t out = width << g;
      nn::ModuleList group;
      for (int b = 0; b < blocks_per_group[g]; ++b) {
        const int64_t stride = (g > 0 && b == 0) ? 2 : 1;
        auto block = std::make_shared<BasicBlock>(in, out, stride);
        group->push_back(block);
        blocks_.push_back(block);
        in = out;
        const int layer = static_cast<int>(taps_.size()) + 1;
        const bool last_in_group = b + 1 == blocks_per_group[g];
        taps_.push_back({"conv" + std::to_string(layer), layer, ""});
        taps_.push_back({"conv" + std::to_string(layer + 1), layer + 1,
                         last_in_group ? "group" + std::to_string(g + 1) : ""});
      }
      register_module("layer" + std::to_string(g + 1), group);
    }
    fc_ = register_module("fc", nn::Linear(in, context.input.num_classes));
    init_weights();
  }

  const std::vector<TapInfo>& taps() const override { return taps_; }

  torch::Tensor forward(const torch::Tensor& images) override {
    return forward_taps(images, {}, true).logits;
  }

  TappedForward forward_taps(const torch::Tensor& images, const std::vector<int>& tap_indices,
                             bool with_logits) override {
    check_images(images);
    int deepest = -1;  // the last tap index we must compute
    for (int index : tap_indices) {
      if (index < 0 || index >= static_cast<int>(taps_.size())) {
        throw std::invalid_argument(name_ + ": tap index " + std::to_string(index) +
                                    " is out of range [0, " + std::to_string(taps_.size()) + ")");
      }
      deepest = std::max(deepest, index);
    }
    if (with_logits) deepest = static_cast<int>(taps_.size()) - 1;

    TappedForward result;
    result.features.resize(tap_indices.size());
    // Hands tap `index` to every request slot that asked for it (a tap may be
    // requested twice); returns whether the pass may stop here.
    auto offer = [&](int index, const torch::Tensor& value) {
      for (size_t i = 0; i < tap_indices.size(); ++i) {
        if (tap_indices[i] == index) result.features[i] = value;
      }
      return index >= deepest;
    };
    if (deepest < 0) return result;

    torch::Tensor x = torch::relu(stem_bn_(stem_conv_((images - mean_) / std_)));
    if (offer(0, x)) return finish(std::move(result), x, with_logits);
    int index = 1;
    for (const auto& block : blocks_) {
      torch::Tensor mid = block->first(x);
      if (offer(index++, mid)) return finish(std::move(result), mid, with_logits);
      x = block->second(x, mid);
      if (offer(index++, x)) return finish(std::move(result), x, with_logits);
    }
    return finish(std::move(result), x, with_logits);  // unreachable: the last tap stops
  }

 private:
  // Ends a pass at `x`. With logits the pass always reaches the last tap, so
  // `x` is then the last block's output.
  TappedForward finish(TappedForward result, const torch::Tensor& x, bool with_logits) {
    // Global average pool, then the classifier.
    if (with_logits) result.logits = fc_(x.mean({2, 3}));
    return result;
  }

  void check_images(const torch::Tensor& images) const {
    if (images.defined() && images.dim() == 4 && images.size(1) == channels_ &&
        images.is_floating_point()) {
      return;
    }
    std::ostringstream got;
    if (!images.defined()) {
      got << "an undefined tensor";
    } else {
      got << "shape " << images.sizes() << " of type " << images.scalar_type();
    }
    throw std::invalid_argument(name_ + ": expected float images N×" + std::to_string(channels_) +
                                "×H×W, got " + got.str());
  }

  // As torchvision: He init for convs (fan_out keeps backward variance), BN
  // starts as the identity.
  void init_weights() {
    for (auto& module : modules(/*include_self=*/false)) {
      if (auto* conv = module->as<nn::Conv2d>()) {
        nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      } else if (auto* bn = module->as<nn::BatchNorm2d>()) {
        nn::init::ones_(bn->weight);
        nn::init::zeros_(bn->bias);
      }
    }
  }

  std::string name_;
  int64_t channels_;
  double mean_;
  double std_;
  nn::Conv2d stem_conv_{nullptr};
  nn::BatchNorm2d stem_bn_{nullptr};
  std::vector<std::shared_ptr<BasicBlock>> blocks_;
  nn::Linear fc_{nullptr};
  std::vector<TapInfo> taps_;
};

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::sdk::OptionList options;
  options.add_int("width", 64, "channels of the first group (w); groups have w, 2w, 4w, 8w")
      .between(1, 1024)
      .add_float("input_mean", 0.5, "subtracted from [0,1] images inside the model")
      .add_float("input_std", 0.25, "divides the mean-subtracted images inside the model")
      .above(0);

  struct Variant {
    const char* name;
    std::vector<int> blocks;
    const char* description;
  };
  const Variant variants[] = {
      {"resnet18",
       {2, 2, 2, 2},
       "CIFAR-style ResNet18 (3×3 stem, no max-pool), taps conv1..conv17"},
      {"resnet34",
       {3, 4, 6, 3},
       "CIFAR-style ResNet34 (3×3 stem, no max-pool), taps conv1..conv33"},
  };
  for (const Variant& v : variants) {
    registrar.add_backbone({v.name, v.description, options.specs()},
                           [name = std::string(v.name), blocks = v.blocks](
                               const Options& opts, const BackboneContext& context) {
                             return std::make_shared<ResNet>(name, blocks, opts, context);
                           });
  }
}

}  // namespace

NEUROREG_PLUGIN("resnet", "0.1.0", register_components)
