// `synthetic`: a small, deterministic, learnable dataset for tests and demos.
//
// Each class has a fixed smooth prototype: a sinusoidal grating whose
// orientation is spread evenly over the classes (plus jitter) and whose
// frequency and phase are random, one phase per channel. A sample is its
// class prototype plus Gaussian noise, clamped to [0,1]. Gratings differ at
// every location, so a tiny ResNet separates them in a few steps.
//
// Prototypes, train noise and test noise each come from their own generator
// derived from the seed, so changing train_images leaves the test set alone.
//
// The split sizes are `train_images`/`test_images`: `train_size` and
// `test_size` are the host's [dataset] keys for subsetting any dataset.
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

using neuroreg::sdk::DatasetContext;
using neuroreg::sdk::DatasetInfo;
using neuroreg::sdk::Options;
using neuroreg::sdk::Split;

/// SplitMix64: spreads nearby seeds (0, 1, 2…) over unrelated streams.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class Synthetic : public neuroreg::sdk::Dataset {
 public:
  Synthetic(const Options& options, const DatasetContext& context)
      : classes_(options.get_int("classes")),
        train_images_(options.get_int("train_images")),
        test_images_(options.get_int("test_images")),
        height_(options.get_int("height")),
        width_(options.get_int("width")),
        channels_(options.get_int("channels")),
        noise_(options.get_float("noise")),
        seed_(mix(context.seed ^ mix(static_cast<uint64_t>(options.get_int("seed"))))) {}

  DatasetInfo info() const override {
    DatasetInfo info{channels_, height_, width_, classes_, {}};
    for (int64_t k = 0; k < classes_; ++k) info.class_names.push_back("class" + std::to_string(k));
    return info;
  }

  Split train() override { return sample(train_images_, 1); }
  Split test() override { return sample(test_images_, 2); }

 private:
  at::Generator generator(uint64_t stream) const {
    return at::detail::createCPUGenerator(mix(seed_ + stream));
  }

  /// classes×C×H×W gratings in [0.15, 0.85], leaving room for the noise.
  torch::Tensor prototypes() const {
    at::Generator gen = generator(0);
    constexpr double pi = 3.14159265358979323846;
    torch::Tensor k = torch::arange(classes_, torch::kFloat64);
    torch::Tensor angle = (k + 0.3 * torch::rand({classes_}, gen, torch::kFloat64)) * pi /
                          static_cast<double>(classes_);
    // Cycles across the image, from coarse to fine but well below Nyquist.
    torch::Tensor cycles = 1.5 + 2.5 * torch::rand({classes_}, gen, torch::kFloat64);
    torch::Tensor phase = 2 * pi * torch::rand({classes_, channels_}, gen, torch::kFloat64);

    torch::Tensor y = torch::linspace(0, 1, height_, torch::kFloat64).view({1, 1, -1, 1});
    torch::Tensor x = torch::linspace(0, 1, width_, torch::kFloat64).view({1, 1, 1, -1});
    auto per_class = [](const torch::Tensor& t) { return t.view({-1, 1, 1, 1}); };
    torch::Tensor along = x * per_class(angle.cos()) + y * per_class(angle.sin());
    torch::Tensor wave =
        torch::cos(2 * pi * per_class(cycles) * along + phase.view({classes_, channels_, 1, 1}));
    return (0.5 + 0.35 * wave).to(torch::kFloat32);
  }

  Split sample(int64_t size, uint64_t stream) const {
    at::Generator gen = generator(stream);
    // Balanced classes in a shuffled order.
    torch::Tensor labels = torch::arange(size, torch::kInt64)
                               .remainder(classes_)
                               .index_select(0, torch::randperm(size, gen, torch::kInt64));
    torch::Tensor noise = torch::randn({size, channels_, height_, width_}, gen, torch::kFloat32);
    Split split;
    split.images = (prototypes().index_select(0, labels) + noise_ * noise).clamp_(0.0, 1.0);
    split.labels = labels;
    return split;
  }

  int64_t classes_, train_images_, test_images_, height_, width_, channels_;
  double noise_;
  uint64_t seed_;
};

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::sdk::OptionList options;
  options.add_int("classes", 4, "number of classes (one grating prototype each)")
      .between(2, 1000)
      .add_int("train_images", 256, "training images to generate")
      .between(1, 1000000)
      .add_int("test_images", 128, "test images to generate")
      .between(1, 1000000)
      .add_int("height", 32, "image height in pixels")
      .between(1, 1024)
      .add_int("width", 32, "image width in pixels")
      .between(1, 1024)
      .add_int("channels", 1, "image channels")
      .between(1, 16)
      .add_float("noise", 0.1, "standard deviation of the Gaussian pixel noise")
      .at_least(0)
      .add_int("seed", 0, "combined with the run's seed to pick prototypes and noise")
      .at_least(0);
  registrar.add_dataset(
      {"synthetic", "noisy class-specific gratings, for tests and demos", options.specs()},
      [](const Options& opts, const DatasetContext& context) {
        return std::make_shared<Synthetic>(opts, context);
      });
}

}  // namespace

NEUROREG_PLUGIN("synthetic", "0.1.0", register_components)
