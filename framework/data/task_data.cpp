#include "data/task_data.h"

#include <torch/torch.h>

#include <stdexcept>

#include "record/checksum.h"

namespace neuroreg {
namespace {

sdk::Split take(const sdk::Split& split, const torch::Tensor& indices) {
  return {split.images.index_select(0, indices), split.labels.index_select(0, indices)};
}

}  // namespace

void check_split(const sdk::Split& split, const sdk::DatasetInfo& info, const std::string& what) {
  auto fail = [&](const std::string& why) { throw std::runtime_error(what + ": " + why); };
  if (!split.images.defined() || !split.labels.defined()) fail("returned no tensors");
  if (split.images.dim() != 4)
    fail("images must be N×C×H×W, got " + std::to_string(split.images.dim()) + " dimensions");
  if (split.images.scalar_type() != torch::kFloat) fail("images must be float32");
  if (split.labels.scalar_type() != torch::kLong) fail("labels must be int64");
  if (split.labels.dim() != 1 || split.labels.size(0) != split.images.size(0)) {
    fail("has " + std::to_string(split.images.size(0)) + " images but labels of shape " +
         c10::str(split.labels.sizes()));
  }
  if (split.images.size(1) != info.channels || split.images.size(2) != info.height ||
      split.images.size(3) != info.width) {
    fail("images are " + c10::str(split.images.sizes().slice(1)) + " but info() says " +
         std::to_string(info.channels) + "×" + std::to_string(info.height) + "×" +
         std::to_string(info.width));
  }
  if (split.size() == 0) fail("is empty");
  if (split.images.min().item<float>() < 0.f || split.images.max().item<float>() > 1.f) {
    fail("images must lie in [0,1]");
  }
  if (split.labels.min().item<int64_t>() < 0 ||
      split.labels.max().item<int64_t>() >= info.num_classes) {
    fail("labels must lie in [0, " + std::to_string(info.num_classes) + ")");
  }
}

TaskData prepare_task_data(sdk::Dataset& dataset, const std::string& name,
                           const sdk::Options& options, uint64_t seed, uint64_t test_subset_seed) {
  TaskData data;
  data.info = dataset.info();
  sdk::Split train = dataset.train();
  check_split(train, data.info, "dataset '" + name + "' train split");
  sdk::Split test = dataset.test();
  check_split(test, data.info, "dataset '" + name + "' test split");

  const int64_t train_size = options.get_int("train_size");
  const int64_t validation_size = options.get_int("validation_size");
  const int64_t test_size = options.get_int("test_size");
  if (train_size < 0 || validation_size < 0 || test_size < 0) {
    throw std::invalid_argument("[dataset] train_size, validation_size and test_size must be >= 0");
  }
  const int64_t available = train.size();
  const int64_t wanted_train = train_size == 0 ? available - validation_size : train_size;
  if (wanted_train <= 0 || wanted_train + validation_size > available) {
    throw std::invalid_argument("[dataset] train_size " + std::to_string(train_size) +
                                " + validation_size " + std::to_string(validation_size) +
                                " exceeds the " + std::to_string(available) +
                                " training images of '" + name + "'");
  }
  if (test_size > test.size()) {
    throw std::invalid_argument("[dataset] test_size " + std::to_string(test_size) +
                                " exceeds the " + std::to_string(test.size()) +
                                " test images of '" + name + "'");
  }

  torch::Generator generator = at::detail::createCPUGenerator(seed);
  torch::Tensor order = torch::randperm(available, generator, torch::kLong);
  data.validation =
      validation_size > 0 ? take(train, order.slice(0, 0, validation_size)) : sdk::Split{};
  data.train = take(train, order.slice(0, validation_size, validation_size + wanted_train));
  data.test_subset_seed = test_subset_seed;
  if (test_size > 0 && test_size < test.size()) {
    // Its own generator: the test images do not depend on the run's seed.
    torch::Generator test_generator = at::detail::createCPUGenerator(test_subset_seed);
    data.test = take(
        test, torch::randperm(test.size(), test_generator, torch::kLong).slice(0, 0, test_size));
  } else {
    data.test = test;
  }
  return data;
}

uint32_t split_crc32(const sdk::Split& split) {
  const torch::Tensor images = split.images.cpu().contiguous();
  const torch::Tensor labels = split.labels.cpu().contiguous();
  const uint32_t crc = crc32_update(0, images.data_ptr(), images.nbytes());
  return crc32_update(crc, labels.data_ptr(), labels.nbytes());
}

}  // namespace neuroreg
