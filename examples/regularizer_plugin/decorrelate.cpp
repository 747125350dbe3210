// `decorrelate`: an example regularizer written against the installed SDK.
//
// It reuses the SDK's similarity matching (taps, trainable layer mixing γ,
// the atanh loss of Eq. 8) with the simplest possible target: zero
// similarity between different images, i.e. it pushes the centred features
// of the images in a batch towards mutual orthogonality. Swap the target and
// you have a new regularizer.
#include <neuroreg/sdk.h>

namespace {

using neuroreg::sdk::Options;
using neuroreg::sdk::RegularizerContext;
using neuroreg::sdk::RegularizerInput;
using neuroreg::sdk::SimilarityMatcher;

class Decorrelate : public neuroreg::sdk::Regularizer {
 public:
  Decorrelate(const Options& options, const RegularizerContext& context)
      : matcher_(register_module("matcher",
                                 std::make_shared<SimilarityMatcher>(context.model, options))) {}

  // Features from the task batch's own forward pass: no extra work.
  std::vector<int> task_taps() const override { return matcher_->tap_indices(); }

  torch::Tensor loss(const RegularizerInput& input) override {
    const int64_t n = input.images.size(0);
    // The diagonal is ignored by the loss; only off-diagonal zeros matter.
    torch::Tensor target = torch::eye(n, input.images.options());
    return matcher_->loss(input.task_features, target);
  }

  std::map<std::string, double> diagnostics() const override { return matcher_->gamma_by_tap(); }

 private:
  std::shared_ptr<SimilarityMatcher> matcher_;
};

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::sdk::OptionList options;
  neuroreg::sdk::add_similarity_options(options);  // taps, train_gamma, clamp_epsilon
  registrar.add_regularizer(
      {"decorrelate", "push the feature similarity of different images towards zero",
       options.specs()},
      [](const Options& opts, const RegularizerContext& context) {
        return std::make_shared<Decorrelate>(opts, context);
      });
}

}  // namespace

NEUROREG_PLUGIN("decorrelate", "0.1.0", register_components)
