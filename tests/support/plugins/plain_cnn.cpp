// `test_plain_cnn`: conv → ReLU → global average → linear, with no batch
// norm and no dropout, so a step is a function of the batch alone: the
// data-parallel equivalence test's backbone.
#include <neuroreg/sdk.h>
#include <torch/torch.h>

namespace {

using neuroreg::sdk::TapInfo;
using neuroreg::sdk::TappedForward;

class PlainCnn : public neuroreg::sdk::Backbone {
 public:
  explicit PlainCnn(const neuroreg::sdk::BackboneContext& context)
      : conv_(register_module(
            "conv",
            torch::nn::Conv2d(torch::nn::Conv2dOptions(context.input.channels, 8, 3).padding(1)))),
        fc_(register_module("fc", torch::nn::Linear(8, context.input.num_classes))) {}

  const std::vector<TapInfo>& taps() const override { return taps_; }

  torch::Tensor forward(const torch::Tensor& images) override {
    return forward_taps(images, {}, true).logits;
  }

  TappedForward forward_taps(const torch::Tensor& images, const std::vector<int>& tap_indices,
                             bool with_logits) override {
    torch::Tensor features = torch::relu(conv_->forward(images - 0.5));
    TappedForward out;
    for (size_t i = 0; i < tap_indices.size(); ++i) out.features.push_back(features);
    if (with_logits) out.logits = fc_->forward(features.mean({2, 3}));
    return out;
  }

 private:
  torch::nn::Conv2d conv_;
  torch::nn::Linear fc_;
  std::vector<TapInfo> taps_{{"conv1", 1, ""}};
};

void register_components(neuroreg::sdk::Registrar& r) {
  r.add_backbone({"test_plain_cnn", "test backbone without batch norm or dropout", {}},
                 [](const neuroreg::sdk::Options&, const neuroreg::sdk::BackboneContext& context) {
                   return std::make_shared<PlainCnn>(context);
                 });
}

}  // namespace

NEUROREG_PLUGIN("test_plain_cnn", "1.0.0", register_components)
