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

struct CnnTask {
  std::shared_ptr<SmallCnn> model;
  torch::Tensor images;  ///< N×1×side×side in [0,1]
  torch::Tensor labels;  ///< N
};

/// Images 1×side×side around `classes` random prototypes (with more spread
/// than the linear task, so that the classes touch), and a SmallCnn trained
/// on them with Adam until it fits them.
inline CnnTask trained_cnn_task(int64_t samples = 32, int64_t classes = 4, int64_t side = 8,
                                uint64_t seed = 0) {
  torch::manual_seed(seed);
  const torch::Tensor prototypes = 0.5 + 0.1 * torch::randn({classes, 1, side, side});
  CnnTask task;
  task.labels = torch::arange(samples) % classes;
  task.images =
      (prototypes.index_select(0, task.labels) + 0.08 * torch::randn({samples, 1, side, side}))
          .clamp(0, 1);
  task.model = std::make_shared<SmallCnn>(side, classes);
  torch::optim::Adam optimizer(task.model->parameters(), torch::optim::AdamOptions(0.01));
  for (int step = 0; step < 300; ++step) {
    optimizer.zero_grad();
    torch::nn::functional::cross_entropy(task.model->forward(task.images), task.labels).backward();
    optimizer.step();
  }
  task.model->eval();
  return task;
}

}  // namespace neuroreg::testing
