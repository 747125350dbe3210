#include "neuroreg/sdk/stimuli.h"

#include "neuroreg/sdk/random.h"

#include <torch/torch.h>

#include <stdexcept>

namespace neuroreg::sdk {

StimulusBatches::StimulusBatches(const torch::Tensor& stimuli, const DatasetInfo& input,
                                 uint64_t seed)
    : seed_(seed) {
  if (stimuli.dim() != 4 || stimuli.size(1) != 1) {
    throw std::invalid_argument("stimuli must be N×1×H×W, got " + c10::str(stimuli.sizes()));
  }
  torch::Tensor resized = stimuli.to(torch::kFloat);
  if (stimuli.size(2) != input.height || stimuli.size(3) != input.width) {
    const bool shrinking = stimuli.size(2) > input.height || stimuli.size(3) > input.width;
    namespace F = torch::nn::functional;
    resized = F::interpolate(resized, F::InterpolateFuncOptions()
                                          .size(std::vector<int64_t>{input.height, input.width})
                                          .mode(torch::kBilinear)
                                          .align_corners(false)
                                          .antialias(shrinking))
                  .clamp(0.0, 1.0);
  }
  stimuli_ = input.channels == 1 ? resized : resized.repeat({1, input.channels, 1, 1});
}

torch::Tensor StimulusBatches::indices(int64_t step, int64_t batch) const {
  if (batch < 2 || batch > size()) {
    throw std::invalid_argument("a stimulus batch of " + std::to_string(batch) + " needs 2 to " +
                                std::to_string(size()) + " stimuli");
  }
  torch::Generator generator = step_generator(seed_, step);
  return torch::randperm(size(), generator, torch::kLong).slice(0, 0, batch);
}

torch::Tensor StimulusBatches::images(const torch::Tensor& indices, torch::Device device) {
  if (stimuli_.device() != device) stimuli_ = stimuli_.to(device);
  return stimuli_.index_select(0, indices.to(device));
}

}  // namespace neuroreg::sdk
