// `none`: the unregularized control. It adds no loss and no work.
#include <neuroreg/sdk.h>

namespace {

class NoRegularizer : public neuroreg::sdk::Regularizer {
 public:
  torch::Tensor loss(const neuroreg::sdk::RegularizerInput&) override { return {}; }
};

void register_components(neuroreg::sdk::Registrar& registrar) {
  registrar.add_regularizer(
      {"none", "no regularization: the plain classifier (the paper's 'None' control)", {}},
      [](const neuroreg::sdk::Options&, const neuroreg::sdk::RegularizerContext&) {
        return std::make_shared<NoRegularizer>();
      });
}

}  // namespace

NEUROREG_PLUGIN("none", "0.1.0", register_components)
