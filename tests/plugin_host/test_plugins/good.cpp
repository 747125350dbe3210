// A minimal valid plugin: one regularizer named "test_good".
#include <neuroreg/sdk.h>

namespace {
class Zero : public neuroreg::sdk::Regularizer {
 public:
  torch::Tensor loss(const neuroreg::sdk::RegularizerInput&) override { return {}; }
};
void register_components(neuroreg::sdk::Registrar& r) {
  r.add_regularizer({"test_good", "test plugin", {}},
                    [](const neuroreg::sdk::Options&, const neuroreg::sdk::RegularizerContext&) {
                      return std::make_shared<Zero>();
                    });
}
}  // namespace

NEUROREG_PLUGIN("test_good", "1.2.3", register_components)
