#include "neuroreg/sdk/stimuli.h"

#include <torch/torch.h>

#include <stdexcept>

#include "neuroreg/sdk/random.h"

namespace neuroreg::sdk {

torch::Tensor resized(const torch::Tensor& images, int64_t height, int64_t width) {
  if (images.size(2) == height && images.size(3) == width) return images;
  namespace F = torch::nn::functional;
  const bool shrinking = images.size(2) > height || images.size(3) > width;
  return F::interpolate(images, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{height, width})
                                    .mode(torch::kBilinear)
                                    .align_corners(false)
                                    .antialias(shrinking))
      .clamp(0.0, 1.0);
}

StimulusBatches::StimulusBatches(const torch::Tensor& stimuli, const DatasetInfo& input,
                                 uint64_t seed)
    : seed_(seed) {
  if (stimuli.dim() != 4 || stimuli.size(1) != 1) {
    throw std::invalid_argument("stimuli must be N×1×H×W, got " + c10::str(stimuli.sizes()));
  }
  const torch::Tensor shown = resized(stimuli.to(torch::kFloat), input.height, input.width);
  stimuli_ = input.channels == 1 ? shown : shown.repeat({1, input.channels, 1, 1});
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
