#include "data/augment.h"

#include <neuroreg/sdk/random.h>
#include <torch/torch.h>

#include <stdexcept>

namespace neuroreg {

Augmentation Augmentation::from_options(const sdk::Options& dataset) {
  Augmentation a;
  a.crop_padding = dataset.get_int("random_crop_padding");
  a.horizontal_flip = dataset.get_bool("horizontal_flip");
  if (a.crop_padding < 0) {
    throw std::invalid_argument("[dataset] random_crop_padding must be >= 0, got " +
                                std::to_string(a.crop_padding));
  }
  return a;
}

torch::Tensor augment(const torch::Tensor& images, const Augmentation& augmentation, uint64_t seed,
                      int64_t step) {
  if (!augmentation.any()) return images;
  torch::Generator generator = sdk::step_generator(seed ^ 0xA5A5A5A5ull, step);
  const int64_t n = images.size(0), h = images.size(2), w = images.size(3);
  torch::Tensor out = images;
  if (augmentation.crop_padding > 0) {
    const int64_t p = augmentation.crop_padding;
    torch::Tensor padded = torch::constant_pad_nd(images, {p, p, p, p}, 0.0);
    torch::Tensor offsets = torch::randint(0, 2 * p + 1, {n, 2}, generator, torch::kLong);
    auto o = offsets.accessor<int64_t, 2>();
    std::vector<torch::Tensor> crops;
    crops.reserve(n);
    for (int64_t i = 0; i < n; ++i) {
      crops.push_back(padded[i].slice(1, o[i][0], o[i][0] + h).slice(2, o[i][1], o[i][1] + w));
    }
    out = torch::stack(crops);
  }
  if (augmentation.horizontal_flip) {
    torch::Tensor flip = torch::rand({n}, generator) < 0.5;
    out = torch::where(flip.view({n, 1, 1, 1}).to(out.device()), out.flip({3}), out);
  }
  return out;
}

}  // namespace neuroreg
