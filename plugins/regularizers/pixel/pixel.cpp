// `pixel`: similarity matching against the images' own pixels (the ICLR 2025
// follow-up to Li et al.). S_target is the centred cosine similarity of the
// task batch's pixels, so it needs no recordings and no second stimulus set,
// and the features come from the task forward pass the host already runs.
//
// With `unaugmented = true` the batch is the task batch before augmentation
// (random crops and flips distort pixel similarity): when the batch was
// augmented, that costs one more pass up to the deepest tap.
#include <neuroreg/sdk.h>

namespace {

using neuroreg::sdk::Options;
using neuroreg::sdk::RegularizerContext;
using neuroreg::sdk::RegularizerInput;
using neuroreg::sdk::SimilarityMatcher;

class PixelRegularizer : public neuroreg::sdk::Regularizer {
 public:
  PixelRegularizer(const Options& options, const RegularizerContext& context)
      : unaugmented_(options.get_bool("unaugmented")),
        matcher_(register_module("matcher",
                                 std::make_shared<SimilarityMatcher>(context.model, options))) {}

  // Features of the task batch come free with the task forward pass.
  std::vector<int> task_taps() const override { return matcher_->tap_indices(); }

  torch::Tensor loss(const RegularizerInput& input) override {
    if (!unaugmented_ || !input.unaugmented.defined()) {
      return matched(input.images, input.task_features);
    }
    // The unaugmented batch differs from the task batch: it needs its own pass.
    const std::vector<int> taps = matcher_->tap_indices();
    return matched(
        input.unaugmented,
        input.model.forward_taps(input.unaugmented, taps, /*with_logits=*/false).features);
  }

  std::map<std::string, double> diagnostics() const override { return matcher_->gamma_by_tap(); }

 private:
  torch::Tensor matched(const torch::Tensor& images, const std::vector<torch::Tensor>& features) {
    // The target carries no gradient: only the network moves towards it.
    torch::Tensor target = neuroreg::sdk::centred_cosine_similarity(images.detach());
    return matcher_->loss(features, target);
  }

  bool unaugmented_;
  std::shared_ptr<SimilarityMatcher> matcher_;
};

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::sdk::OptionList options;
  options.add_bool("unaugmented", false,
                   "match on the task batch before augmentation (one more pass when augmented)");
  neuroreg::sdk::add_similarity_options(options);
  registrar.add_regularizer(
      {"pixel", "match feature similarity to the centred cosine similarity of the images' pixels",
       options.specs()},
      [](const Options& opts, const RegularizerContext& context) {
        return std::make_shared<PixelRegularizer>(opts, context);
      });
}

}  // namespace

NEUROREG_PLUGIN("pixel", "0.1.0", register_components)
