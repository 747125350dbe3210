// `fashion_mnist`: Zalando's Fashion-MNIST (60k train / 10k test, 28×28 grey,
// 10 classes) from its published IDX files.
//
// Images are zero-padded to `pad_to` (32 by default) so they fit the
// CIFAR-style backbones, whose four groups then see 32/16/8/4 pixels. Each
// split is read on first use and kept: creating the dataset or asking for
// info() touches no file, so listing and config checks stay cheap.
#include <neuroreg/sdk.h>
#include <torch/torch.h>

#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "idx_reader.h"

namespace {

using neuroreg::sdk::DatasetContext;
using neuroreg::sdk::DatasetInfo;
using neuroreg::sdk::Options;
using neuroreg::sdk::Split;

constexpr int64_t kImageSize = 28;
constexpr int64_t kClasses = 10;

class FashionMnist : public neuroreg::sdk::Dataset {
 public:
  explicit FashionMnist(const Options& options)
      : root_(options.get_string("root")), pad_to_(options.get_int("pad_to")) {}

  DatasetInfo info() const override {
    return {1,
            pad_to_,
            pad_to_,
            kClasses,
            {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
             "Bag", "Ankle boot"}};
  }

  Split train() override { return cached(train_, "train"); }
  Split test() override { return cached(test_, "t10k"); }

 private:
  Split cached(std::optional<Split>& slot, const std::string& prefix) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!slot) slot = load(prefix);
    return *slot;
  }

  /// The .gz file if present, else the uncompressed one; neither is an error
  /// naming the .gz path.
  std::string locate(const std::string& name) const {
    const std::string gz = root_ + "/" + name + ".gz";
    if (std::filesystem::exists(gz)) return gz;
    const std::string plain = root_ + "/" + name;
    if (std::filesystem::exists(plain)) return plain;
    throw std::runtime_error("fashion_mnist: missing file '" + gz + "' (or its uncompressed '" +
                             plain + "')");
  }

  Split load(const std::string& prefix) const {
    if (!std::filesystem::is_directory(root_)) {
      throw std::runtime_error("fashion_mnist: root '" + root_ +
                               "' is not a folder (set the option 'root' to the folder holding "
                               "the Fashion-MNIST IDX files)");
    }
    const std::string images_path = locate(prefix + "-images-idx3-ubyte");
    const std::string labels_path = locate(prefix + "-labels-idx1-ubyte");
    torch::Tensor images = neuroreg::datasets::read_idx_images(images_path);
    torch::Tensor labels = neuroreg::datasets::read_idx_labels(labels_path);

    if (images.size(0) != labels.size(0)) {
      throw std::runtime_error("fashion_mnist: '" + images_path + "' holds " +
                               std::to_string(images.size(0)) + " images but '" + labels_path +
                               "' holds " + std::to_string(labels.size(0)) + " labels");
    }
    if (images.size(1) != kImageSize || images.size(2) != kImageSize) {
      throw std::runtime_error("fashion_mnist: '" + images_path + "' holds " +
                               std::to_string(images.size(1)) + "×" +
                               std::to_string(images.size(2)) + " images, expected 28×28");
    }
    const int64_t bad = labels.ge(kClasses).sum().item<int64_t>();
    if (bad > 0) {
      throw std::runtime_error("fashion_mnist: '" + labels_path + "' has " + std::to_string(bad) +
                               " labels outside [0, 10)");
    }

    // Padding splits the extra pixels evenly, the odd one to the right/bottom.
    const int64_t extra = pad_to_ - kImageSize;
    const int64_t before = extra / 2;
    const int64_t after = extra - before;
    Split split;
    split.images = torch::constant_pad_nd(images.unsqueeze(1).to(torch::kFloat32).div_(255.0),
                                          {before, after, before, after}, 0.0)
                       .contiguous();
    split.labels = labels;
    return split;
  }

  std::string root_;
  int64_t pad_to_;
  std::mutex mutex_;
  std::optional<Split> train_;
  std::optional<Split> test_;
};

void register_components(neuroreg::sdk::Registrar& registrar) {
  neuroreg::sdk::OptionList options;
  options
      .add_string("root", "/usr/share/datasets/fashion-mnist",
                  "folder with the four IDX files (.gz or uncompressed)")
      .non_empty()
      .add_int("pad_to", 32, "zero-pad the 28×28 images to this size (28 = no padding)")
      .between(kImageSize, 1024);
  registrar.add_dataset(
      {"fashion_mnist", "Fashion-MNIST: 60k/10k grey 28×28 images of 10 clothing classes",
       options.specs()},
      [](const Options& opts, const DatasetContext&) {
        return std::make_shared<FashionMnist>(opts);
      });
}

}  // namespace

NEUROREG_PLUGIN("fashion_mnist", "0.1.0", register_components)
