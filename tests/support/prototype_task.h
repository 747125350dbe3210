// Images around random class prototypes and a classifier fitted to them: the
// tiny trained models the attack tests run on (linear_backbone.h,
// small_cnn.h).
#pragma once

#include <neuroreg/sdk/backbone.h>
#include <torch/torch.h>

#include <memory>

namespace neuroreg::testing {

struct PrototypeImages {
  torch::Tensor images;  ///< N×1×side×side in [0,1]
  torch::Tensor labels;  ///< N: sample i is of class i mod classes
};

/// `classes` prototypes at mid-grey ± `spread` (per pixel, Gaussian), and
/// `samples` images each its class's prototype ± `noise`, clipped to [0,1].
/// Draws from torch's default generator: seed it first.
inline PrototypeImages prototype_images(int64_t samples, int64_t classes, int64_t side,
                                        double spread, double noise) {
  const torch::Tensor prototypes = 0.5 + spread * torch::randn({classes, 1, side, side});
  PrototypeImages p;
  p.labels = torch::arange(samples) % classes;
  p.images = (prototypes.index_select(0, p.labels) + noise * torch::randn({samples, 1, side, side}))
                 .clamp(0, 1);
  return p;
}

/// A trained model with the images it was trained on (which the attack
/// tests then attack).
template <class Model>
struct TrainedTask {
  std::shared_ptr<Model> model;
  torch::Tensor images;  ///< N×1×side×side in [0,1]
  torch::Tensor labels;  ///< N
};

/// Full-batch Adam on the cross-entropy for `steps` steps; leaves the model
/// in eval mode.
inline void fit_classifier(sdk::Backbone& model, const PrototypeImages& data, double lr,
                           int steps) {
  torch::optim::Adam optimizer(model.parameters(), torch::optim::AdamOptions(lr));
  for (int step = 0; step < steps; ++step) {
    optimizer.zero_grad();
    torch::nn::functional::cross_entropy(model.forward(data.images), data.labels).backward();
    optimizer.step();
  }
  model.eval();
}

/// A Model made by `make_model` after drawing prototype_images(samples,
/// classes, side, spread, noise) from `seed`, then fitted to them.
template <class Model, class MakeModel>
TrainedTask<Model> trained_task(const MakeModel& make_model, int64_t samples, int64_t classes,
                                int64_t side, double spread, double noise, double lr, int steps,
                                uint64_t seed) {
  torch::manual_seed(seed);
  const PrototypeImages data = prototype_images(samples, classes, side, spread, noise);
  TrainedTask<Model> task{make_model(), data.images, data.labels};
  fit_classifier(*task.model, data, lr, steps);
  return task;
}

}  // namespace neuroreg::testing
