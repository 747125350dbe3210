#include "robustness/noise_eval.h"

#include <torch/torch.h>

#include <stdexcept>

#include "data/task_data.h"

namespace neuroreg {
namespace {

void check_batch_size(int64_t batch_size) {
  if (batch_size < 1) throw std::invalid_argument("evaluation batch_size must be >= 1");
}

}  // namespace

double accuracy_under(sdk::Backbone& model, const sdk::Split& split, int64_t batch_size,
                      torch::Device device, const ImageChange& change, uint64_t seed) {
  check_batch_size(batch_size);
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  torch::Generator generator = at::detail::createCPUGenerator(seed);
  int64_t correct = 0;
  const int64_t n = split.size();
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t end = std::min(n, start + batch_size);
    torch::Tensor images = split.images.slice(0, start, end);
    if (change) images = change(images, generator);
    torch::Tensor predicted = model.forward(images.to(device)).argmax(1).cpu();
    correct += predicted.eq(split.labels.slice(0, start, end)).sum().item<int64_t>();
  }
  model.train(was_training);
  return n == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(n);
}

double accuracy(sdk::Backbone& model, const sdk::Split& split, int64_t batch_size,
                torch::Device device, double noise_sigma, uint64_t seed) {
  check_batch_size(batch_size);  // before σ: a call wrong in both names the batch size
  if (noise_sigma < 0) throw std::invalid_argument("noise sigma must be >= 0");
  ImageChange noise;
  if (noise_sigma > 0) {
    noise = [noise_sigma](const torch::Tensor& images, torch::Generator& generator) {
      return (images + noise_sigma * at::normal(0.0, 1.0, images.sizes(), generator))
          .clamp(0.0, 1.0);
    };
  }
  return accuracy_under(model, split, batch_size, device, noise, seed);
}

record::Evaluation noise_accuracies(sdk::Backbone& model, const sdk::Split& test,
                                    const sdk::Options& eval, torch::Device device) {
  const int64_t batch = eval.get_int("batch_size");
  const uint64_t seed = static_cast<uint64_t>(eval.get_int("seed"));
  record::Evaluation result;
  result.set_test_images(static_cast<int32_t>(test.size()));
  result.set_clean_accuracy(accuracy(model, test, batch, device));
  int index = 0;
  for (double sigma : eval.get_float_list("noise_sigmas")) {
    auto* point = result.add_noise();
    point->set_sigma(sigma);
    point->set_accuracy(accuracy(model, test, batch, device, sigma, seed + index++));
  }
  return result;
}

record::Evaluation evaluate_noise(sdk::Backbone& model, const sdk::Split& test,
                                  const sdk::Options& eval, torch::Device device) {
  record::Evaluation result = noise_accuracies(model, test, eval, device);
  result.set_test_set_crc32(split_crc32(test));
  return result;
}

}  // namespace neuroreg
