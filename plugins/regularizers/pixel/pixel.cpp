// `pixel`: similarity matching against the images' own pixels (the ICLR 2025
// follow-up to Li et al.). S_target is the centred cosine similarity of the
// task batch's pixels, so it needs no recordings and no second stimulus set,
// and the features come from the task forward pass the host already runs.
#include <neuroreg/sdk.h>

namespace {

using neuroreg::sdk::Options;
using neuroreg::sdk::RegularizerContext;
using neuroreg::sdk::RegularizerInput;
using neuroreg::sdk::SimilarityMatcher;

class PixelRegularizer : public neuroreg::sdk::Regularizer {
 public:
  PixelRegularizer(const Options& options, const RegularizerContext& context)
      : matcher_(register_module("matcher",
                                 std::make_shared<SimilarityMatcher>(context.model, options))) {}

  std::vector<int> task_taps() const override { return matcher_->tap_indices(); }

  torch::Tensor loss(const RegularizerInput& input) override {
    // The target carries no gradient: only the network moves towards it.
    torch::Tensor target = neuroreg::sdk::centred_cosine_similarity(input.images.detach());
    return matcher_->loss(input.task_features, target);
  }

  std::map<std::string, double> diagnostics() const override { return matcher_->gamma_by_tap(); }

 private:
  std::shared_ptr<SimilarityMatcher> matcher_;
};

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::sdk::OptionList options;
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
