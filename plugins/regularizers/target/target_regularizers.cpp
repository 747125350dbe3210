// Regularizers that match a stored similarity target on a second batch of
// stimuli each step (Li et al. 2019, Fig. 3): one mechanism, four controls.
//
//   neural_model  S_model from a predictive model of the recordings (Eq. 6)
//   neural_data   S_data from single-trial responses (Eq. 2)
//   matrix        any user-supplied target (fMRI, other species, …)
//   shuffle       a target with stimulus identities permuted: same values,
//                 broken correspondence
//
// They differ only in which target file they read and, for `shuffle`, a
// seeded permutation; the matching itself is the SDK's SimilarityMatcher.
#include <neuroreg/sdk.h>

namespace {

using neuroreg::sdk::Options;
using neuroreg::sdk::RegularizerContext;
using neuroreg::sdk::RegularizerInput;
using neuroreg::sdk::SimilarityMatcher;
using neuroreg::sdk::SimilarityTarget;
using neuroreg::sdk::StimulusBatches;

SimilarityTarget load_target(const Options& options, bool shuffle) {
  // The rows it matches: the images shown once (the paper), the oracle
  // images, or both (tiers.npy; a target without one is all "once").
  SimilarityTarget target = neuroreg::sdk::load_similarity_target(options.get_string("target"))
                                .subset(options.get_string("stimuli"));
  if (shuffle) {
    target =
        neuroreg::sdk::shuffled(target, static_cast<uint64_t>(options.get_int("shuffle_seed")));
  }
  return target;
}

class TargetRegularizer : public neuroreg::sdk::Regularizer {
 public:
  TargetRegularizer(const Options& options, const RegularizerContext& context, bool shuffle)
      : target_(load_target(options, shuffle)),
        batches_(target_.stimuli, context.input, context.seed),
        batch_size_(options.get_int("batch_size")),
        matcher_(register_module("matcher",
                                 std::make_shared<SimilarityMatcher>(context.model, options))) {
    if (batch_size_ > target_.size()) {
      throw std::invalid_argument("option 'batch_size' must be 0 (the task batch size) or 2.." +
                                  std::to_string(target_.size()) + ", got " +
                                  std::to_string(batch_size_));
    }
    target_.stimuli = torch::Tensor();  // StimulusBatches holds the resized copy
  }

  torch::Tensor loss(const RegularizerInput& input) override {
    const torch::Device device = input.images.device();
    if (!placed_ || *placed_ != device) {
      target_.to(device);
      placed_ = device;
    }
    const int64_t batch = batch_size_ > 0 ? batch_size_ : input.task_batch();
    // Every process draws the step's batch; each matches its own share.
    torch::Tensor indices = input.shard(batches_.indices(input.step, batch));
    // The network only runs up to the deepest tap it is matched at.
    neuroreg::sdk::TappedForward forward = input.model.forward_taps(
        batches_.images(indices, device), matcher_->tap_indices(), /*with_logits=*/false);
    return matcher_->loss(forward.features, target_.similarity(indices.to(device)));
  }

  std::map<std::string, double> diagnostics() const override { return matcher_->gamma_by_tap(); }

 private:
  SimilarityTarget target_;
  StimulusBatches batches_;
  int64_t batch_size_;
  std::shared_ptr<SimilarityMatcher> matcher_;
  std::optional<torch::Device> placed_;
};

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::sdk::OptionList options;
  options
      .add_required("target", neuroreg::sdk::OptionType::kString,
                    "similarity target folder (stimuli.npy + embeddings.npy or similarity.npy)")
      .existing_folder()
      .add_int("batch_size", 0, "stimuli per similarity batch; 0 = the task batch size (paper)")
      .at_least(2)
      .or_zero()
      .add_string("stimuli", "once",
                  "the target's rows to match (tiers.npy): once (images shown once, the paper), "
                  "oracle (the repeated test images) or all")
      .one_of({"once", "oracle", "all"});
  neuroreg::sdk::add_similarity_options(options);
  neuroreg::sdk::OptionList shuffle_options = options;
  shuffle_options.add_int("shuffle_seed", 0, "seed of the permutation of stimulus identities");

  const struct {
    const char* name;
    const char* description;
  } plain[] = {
      {"neural_model", "match S_model, similarity of predicted neural responses (Eq. 6)"},
      {"neural_data", "match S_data, similarity of single-trial neural responses (Eq. 2)"},
      {"matrix", "match any user-supplied similarity target"},
  };
  for (const auto& variant : plain) {
    registrar.add_regularizer({variant.name, variant.description, options.specs()},
                              [](const Options& o, const RegularizerContext& c) {
                                return std::make_shared<TargetRegularizer>(o, c, false);
                              });
  }
  registrar.add_regularizer(
      {"shuffle", "match a target whose stimulus identities are permuted (control)",
       shuffle_options.specs()},
      [](const Options& o, const RegularizerContext& c) {
        return std::make_shared<TargetRegularizer>(o, c, true);
      });
}

}  // namespace

NEUROREG_PLUGIN("target_regularizers", "0.1.0", register_components)
