// A small convolutional classifier as a backbone, for attack-strength tests:
// unlike the linear model of linear_backbone.h its decision boundaries are
// curved, so attacks that follow them differ from attacks that do not, and no
// closed form knows the minimal distance: attacks can only be compared with
// each other.
#pragma once

#include <neuroreg/sdk/backbone.h>
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "support/prototype_task.h"

namespace neuroreg::testing {

class SmallCnn : public sdk::Backbone {
 public:
  SmallCnn(int64_t side, int64_t classes)
      : conv1_(register_module("conv1",
                               torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 8, 3).padding(1)))),
        conv2_(register_module(
            "conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 16, 3).stride(2).padding(1)))),
        linear_(register_module(
            "linear", torch::nn::Linear(16 * ((side + 1) / 2) * ((side + 1) / 2), classes))) {}

  const std::vector<sdk::TapInfo>& taps() const override {
    static const std::vector<sdk::TapInfo> none;
    return none;
  }
  torch::Tensor forward(const torch::Tensor& images) override {
    const torch::Tensor h = torch::relu(conv2_->forward(torch::relu(conv1_->forward(images))));
    return linear_->forward(h.flatten(1));
  }
  sdk::TappedForward forward_taps(const torch::Tensor& images, const std::vector<int>&,
                                  bool) override {
    return {forward(images), {}};
  }

 private:
  torch::nn::Conv2d conv1_;
  torch::nn::Conv2d conv2_;
  torch::nn::Linear linear_;
};

/// Images 1×side×side around `classes` random prototypes (with more spread
/// than the linear task, so that the classes touch), and a SmallCnn trained
/// on them with Adam until it fits them.
using CnnTask = TrainedTask<SmallCnn>;

inline CnnTask trained_cnn_task(int64_t samples = 32, int64_t classes = 4, int64_t side = 8,
                                uint64_t seed = 0) {
  return trained_task<SmallCnn>([&] { return std::make_shared<SmallCnn>(side, classes); }, samples,
                                classes, side, 0.1, 0.08, 0.01, 300, seed);
}

}  // namespace neuroreg::testing
