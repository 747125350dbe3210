// `vgg`: the VGG control of Li et al. 2019 (Fig. 4): match the similarity of
// conv3_1 features of an ImageNet-trained VGG19, "the VGG layer most similar
// to animal V1", instead of a neural target.
//
// The VGG19 is the `vgg19` backbone plugin, frozen, loaded from torchvision's
// published state dict (option `weights`). S_target is the centred cosine
// similarity (Eq. 9) of its tap over the same batch the network is matched
// on: a batch drawn from a stimulus set (option `stimuli`, e.g. the folder of
// the neural target, so both controls see the same images) or, without one,
// the task batch itself, whose features come free with the task forward pass.
//
// VGG is not a submodule: its weights stay out of the optimizer and the
// checkpoints, and it is moved to the training device on first use.
#include <neuroreg/sdk.h>

#include <optional>

namespace {

using neuroreg::sdk::Backbone;
using neuroreg::sdk::Options;
using neuroreg::sdk::RegularizerContext;
using neuroreg::sdk::RegularizerInput;
using neuroreg::sdk::SimilarityMatcher;
using neuroreg::sdk::StimulusBatches;

std::shared_ptr<Backbone> make_vgg(const Options& options, const RegularizerContext& context) {
  if (!context.make_backbone) {
    throw std::invalid_argument("vgg: this host cannot create the vgg19 backbone it needs");
  }
  if (options.get_string("weights").empty() != options.get_bool("random_weights")) {
    throw std::invalid_argument(
        "vgg: set option 'weights' to torchvision's ImageNet vgg19 state dict "
        "(vgg19-dcbb9e9d.pth); only to time the control, leave it empty and set "
        "random_weights = true");
  }
  auto vgg =
      context.make_backbone("vgg19", {{"weights", options.get_string("weights")},
                                      {"freeze", true},
                                      {"resize", options.get_int("vgg_resize")},
                                      {"width_divisor", options.get_int("vgg_width_divisor")}});
  vgg->eval();
  return vgg;
}

std::optional<StimulusBatches> stimulus_batches(const Options& options,
                                                const RegularizerContext& context) {
  const std::string& dir = options.get_string("stimuli");
  if (dir.empty()) return std::nullopt;
  return StimulusBatches(neuroreg::sdk::load_stimuli(dir), context.input, context.seed);
}

class VggRegularizer : public neuroreg::sdk::Regularizer {
 public:
  VggRegularizer(const Options& options, const RegularizerContext& context)
      : vgg_(make_vgg(options, context)),
        vgg_tap_(neuroreg::sdk::resolve_tap(*vgg_, options.get_string("vgg_tap"))),
        batches_(stimulus_batches(options, context)),
        batch_size_(options.get_int("batch_size")),
        matcher_(register_module("matcher",
                                 std::make_shared<SimilarityMatcher>(context.model, options))) {
    const int64_t most = batches_ ? batches_->size() : INT64_MAX;
    if (batch_size_ > most) {
      throw std::invalid_argument(
          "vgg: option 'batch_size' must be 0 (the task batch size) or 2.." + std::to_string(most) +
          ", got " + std::to_string(batch_size_));
    }
    if (!batches_ && batch_size_ != 0) {
      throw std::invalid_argument(
          "vgg: option 'batch_size' needs a stimulus set ('stimuli'); the task batch is used "
          "whole");
    }
  }

  std::vector<int> task_taps() const override {
    return batches_ ? std::vector<int>{} : matcher_->tap_indices();
  }

  torch::Tensor loss(const RegularizerInput& input) override {
    const torch::Device device = input.images.device();
    if (!vgg_placed_ || *vgg_placed_ != device) {
      vgg_->to(device);
      vgg_placed_ = device;
    }
    if (!batches_) return matcher_->loss(input.task_features, target(input.images));
    const int64_t batch = batch_size_ > 0 ? batch_size_ : input.task_batch();
    // Every process draws the step's batch; each matches its own share.
    const torch::Tensor images =
        batches_->images(input.shard(batches_->indices(input.step, batch)), device);
    // The network only runs up to the deepest live tap.
    auto forward = input.model.forward_taps(images, matcher_->tap_indices(), /*with_logits=*/false);
    return matcher_->loss(forward.features, target(images));
  }

  std::map<std::string, double> diagnostics() const override { return matcher_->gamma_by_tap(); }

 private:
  // S_target: VGG's tap over the batch, centred over the batch (Eq. 9).
  torch::Tensor target(const torch::Tensor& images) {
    torch::NoGradGuard no_grad;
    auto features = vgg_->forward_taps(images.detach(), {vgg_tap_}, /*with_logits=*/false);
    return neuroreg::sdk::centred_cosine_similarity(features.features.front());
  }

  std::shared_ptr<Backbone> vgg_;
  int vgg_tap_;
  std::optional<StimulusBatches> batches_;
  int64_t batch_size_;
  std::shared_ptr<SimilarityMatcher> matcher_;
  std::optional<torch::Device> vgg_placed_;
};

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::sdk::OptionList options;
  options.add_string("weights", "", "torchvision's ImageNet vgg19 state dict (vgg19-dcbb9e9d.pth)")
      .add_bool("random_weights", false,
                "no weights file: a randomly initialised VGG19, for timing only (the target "
                "then means nothing)")
      .existing_file()
      .add_string("stimuli", "",
                  "stimulus set folder (its stimuli.npy; a neural target folder works); empty: "
                  "the task batch")
      .existing_folder()
      .add_int("batch_size", 0, "stimuli per similarity batch; 0 = the task batch size (paper)")
      .at_least(2)
      .or_zero()
      .add_string("vgg_tap", "conv3_1", "the VGG19 layer whose similarity is the target")
      .non_empty()
      .add_int("vgg_resize", 0, "resize images for VGG to this size (e.g. 224); 0: as they are")
      .between(32, 1024)
      .or_zero()
      .add_int("vgg_width_divisor", 1,
               "narrows VGG19 by this factor; only for tests with small random weights")
      .one_of_ints({1, 2, 4, 8, 16, 32, 64});
  neuroreg::sdk::add_similarity_options(options);
  registrar.add_regularizer(
      {"vgg", "match the similarity of conv3_1 features of an ImageNet VGG19 (control)",
       options.specs()},
      [](const Options& o, const RegularizerContext& c) {
        return std::make_shared<VggRegularizer>(o, c);
      });
}

}  // namespace

NEUROREG_PLUGIN("vgg_regularizer", "0.1.0", register_components)
