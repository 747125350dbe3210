// A registration callback that fails half-way: it adds one regularizer, then
// throws. Nothing of it may stay registered.
#include <neuroreg/sdk.h>

#include <stdexcept>

namespace {
class Zero : public neuroreg::sdk::Regularizer {
 public:
  torch::Tensor loss(const neuroreg::sdk::RegularizerInput&) override { return {}; }
};
void register_components(neuroreg::sdk::Registrar& r) {
  r.add_regularizer({"half_registered", "registered before the failure", {}},
                    [](const neuroreg::sdk::Options&, const neuroreg::sdk::RegularizerContext&) {
                      return std::make_shared<Zero>();
                    });
  throw std::runtime_error("cannot find my weights");
}
}  // namespace

NEUROREG_PLUGIN("throwing_register", "0.0.1", register_components)
