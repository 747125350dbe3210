#include "neural/fit.h"

#include <absl/strings/str_format.h>
#include <torch/torch.h>

#include <chrono>
#include <sstream>

#include "neural/neuron_metrics.h"

namespace neuroreg {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A copy of every parameter and buffer, to come back to the best epoch.
std::vector<torch::Tensor> snapshot(const torch::nn::Module& model) {
  std::vector<torch::Tensor> state;
  for (const auto& p : model.parameters()) state.push_back(p.detach().clone());
  for (const auto& b : model.buffers()) state.push_back(b.detach().clone());
  return state;
}

void restore(torch::nn::Module& model, const std::vector<torch::Tensor>& state) {
  torch::NoGradGuard no_grad;
  size_t i = 0;
  for (auto& p : model.parameters()) p.copy_(state[i++]);
  for (auto& b : model.buffers()) b.copy_(state[i++]);
}

void set_learning_rate(torch::optim::Adam& optimizer, double lr) {
  for (auto& group : optimizer.param_groups())
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
}

}  // namespace

torch::Tensor poisson_loss(const torch::Tensor& rates, const torch::Tensor& responses) {
  return (rates - responses * torch::log(rates + 1e-8)).sum(1).mean();
}

double fit_step(PredictiveModel& model, torch::optim::Optimizer& optimizer,
                const torch::Tensor& images, const torch::Tensor& behavior,
                const torch::Tensor& pupil_center, const torch::Tensor& responses) {
  model.train();
  optimizer.zero_grad();
  const torch::Tensor loss = poisson_loss(model.forward(images, behavior, pupil_center), responses);
  (loss + model.regularization()).backward();
  optimizer.step();
  return loss.item<double>();
}

torch::Tensor tier_trials(const Scan& scan, const std::string& tier) {
  std::vector<int64_t> trials;
  for (int64_t t = 0; t < scan.trials(); ++t)
    if (scan.tiers[static_cast<size_t>(t)] == tier) trials.push_back(t);
  return torch::tensor(trials, torch::kLong);
}

torch::Tensor predict(PredictiveModel& model, const Scan& scan, const torch::Tensor& trials,
                      bool mean_behavior) {
  torch::NoGradGuard no_grad;
  model.eval();
  const torch::Tensor behavior_mean = scan.behavior.mean(0, /*keepdim=*/true);
  const torch::Tensor pupil_mean = scan.pupil_center.mean(0, /*keepdim=*/true);
  std::vector<torch::Tensor> rates;
  constexpr int64_t kBatch = 256;
  for (int64_t start = 0; start < trials.size(0); start += kBatch) {
    const torch::Tensor index = trials.slice(0, start, start + kBatch);
    const int64_t n = index.size(0);
    const torch::Tensor behavior =
        mean_behavior ? behavior_mean.expand({n, -1}) : scan.behavior.index_select(0, index);
    const torch::Tensor pupil =
        mean_behavior ? pupil_mean.expand({n, -1}) : scan.pupil_center.index_select(0, index);
    rates.push_back(model.forward(scan.images.index_select(0, index), behavior, pupil));
  }
  if (rates.empty()) return torch::zeros({0, model.neurons()});
  return torch::cat(rates);
}

FitResult fit_predictive_model(const Scan& scan, const FitSettings& settings,
                               const std::string& name, std::ostream& log) {
  const auto start = Clock::now();
  const torch::Tensor train = tier_trials(scan, "train");
  const torch::Tensor validation = tier_trials(scan, "validation");
  if (train.size(0) < settings.batch_size || validation.size(0) < 2) {
    throw std::runtime_error(absl::StrFormat(
        "%s: %d train and %d validation trials are too few to fit a model (batch size %d)", name,
        train.size(0), validation.size(0), settings.batch_size));
  }
  torch::manual_seed(settings.seed);
  auto model =
      std::make_shared<PredictiveModel>(settings.model, scan.responses.size(1), scan.images.size(2),
                                        scan.images.size(3), scan.behavior.size(1));
  model->start_readout(scan.images.index_select(0, train), scan.responses.index_select(0, train));
  torch::optim::Adam optimizer(model->parameters(),
                               torch::optim::AdamOptions(settings.learning_rate));
  const torch::Tensor validation_responses = scan.responses.index_select(0, validation);

  FitResult result;
  result.validation_correlation = -2;
  std::vector<torch::Tensor> best = snapshot(*model);
  double lr = settings.learning_rate;
  int64_t since_best = 0, decays = 0;
  auto generator = at::detail::createCPUGenerator(settings.seed);
  for (int64_t epoch = 1; epoch <= settings.max_epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    const torch::Tensor order = train.index_select(
        0, torch::randperm(train.size(0), generator, torch::TensorOptions(torch::kLong)));
    double loss = 0;
    int64_t batches = 0;
    for (int64_t b = 0; b + settings.batch_size <= order.size(0); b += settings.batch_size) {
      const torch::Tensor index = order.slice(0, b, b + settings.batch_size);
      loss +=
          fit_step(*model, optimizer, scan.images.index_select(0, index),
                   scan.behavior.index_select(0, index), scan.pupil_center.index_select(0, index),
                   scan.responses.index_select(0, index));
      ++batches;
    }
    const double correlation =
        neuron_correlations(predict(*model, scan, validation), validation_responses)
            .mean()
            .item<double>();
    const bool better = correlation > result.validation_correlation;
    if (better) {
      result.validation_correlation = correlation;
      best = snapshot(*model);
      since_best = 0;
    } else {
      ++since_best;
    }
    result.epochs = epoch;
    log << absl::StrFormat("  %s epoch %2d: loss %.4f, validation r %.4f%s, lr %.2g, %.1f s\n",
                           name, epoch, loss / static_cast<double>(batches), correlation,
                           better ? " *" : "", lr, seconds_since(epoch_start))
        << std::flush;
    if (since_best >= settings.patience) {
      if (decays == settings.lr_decays) break;
      restore(*model, best);
      lr *= settings.lr_decay;
      set_learning_rate(optimizer, lr);
      ++decays;
      since_best = 0;
    }
  }
  restore(*model, best);
  model->eval();
  result.model = model;
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace neuroreg
