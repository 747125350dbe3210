// Registers a regularizer under a name the built-in plugins already use.
#include <neuroreg/sdk.h>

namespace {
class Zero : public neuroreg::sdk::Regularizer {
 public:
  torch::Tensor loss(const neuroreg::sdk::RegularizerInput&) override { return {}; }
};
void register_components(neuroreg::sdk::Registrar& r) {
  r.add_regularizer({"none", "a second 'none'", {}},
                    [](const neuroreg::sdk::Options&, const neuroreg::sdk::RegularizerContext&) {
                      return std::make_shared<Zero>();
                    });
}
}  // namespace

NEUROREG_PLUGIN("duplicate_none", "0.0.1", register_components)
