#include "train/trainer.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/atomic_file.h>
#include <neuroreg/sdk/zip_archive.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <sstream>
#include <stdexcept>

#include "robustness/noise_eval.h"
#include "record/record_io.h"
#include "runtime/stop_signals.h"

namespace neuroreg {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Rows [rank·n/W, (rank+1)·n/W) of a split: this process's share.
sdk::Split share_of(const sdk::Split& split, int rank, int world) {
  const int64_t n = split.size();
  const int64_t from = n * rank / world, to = n * (rank + 1) / world;
  return {split.images.slice(0, from, to), split.labels.slice(0, from, to)};
}

}  // namespace

TrainingStopped::TrainingStopped(int sig, int stopped_epoch, int64_t stopped_step, int64_t steps)
    : std::runtime_error(absl::StrFormat("stopped by signal %d in epoch %d at step %d of %d", sig,
                                         stopped_epoch + 1, stopped_step, steps)),
      signal(sig),
      epoch(stopped_epoch),
      step(stopped_step) {}

Trainer::Trainer(std::shared_ptr<sdk::Backbone> model,
                 std::shared_ptr<sdk::Regularizer> regularizer, double alpha,
                 const sdk::Options& train, torch::Device device, uint64_t seed, std::ostream& log,
                 Augmentation augmentation)
    : model_(std::move(model)),
      regularizer_(std::move(regularizer)),
      alpha_(alpha),
      epochs_(static_cast<int>(train.get_int("epochs"))),
      batch_size_(train.get_int("batch_size")),
      log_every_(train.get_int("log_every")),
      schedule_(StepSchedule::from_options(train)),
      device_(device),
      seed_(seed),
      augmentation_(augmentation),
      order_generator_(at::detail::createCPUGenerator(seed)),
      log_(log) {
  if (epochs_ < 1) throw std::invalid_argument("[train] epochs must be >= 1");
  if (batch_size_ < 2) {
    throw std::invalid_argument("[train] batch_size must be >= 2 (similarities need pairs)");
  }
  if (alpha_ < 0) throw std::invalid_argument("regularizer alpha must be >= 0");
  // Weight decay is for the network; the regularizer's own parameters (the
  // layer mixing γ) are not pulled towards zero.
  auto backbone_options = std::make_unique<torch::optim::SGDOptions>(schedule_.lr);
  backbone_options->momentum(train.get_float("momentum"))
      .weight_decay(train.get_float("weight_decay"));
  auto regularizer_options = std::make_unique<torch::optim::SGDOptions>(schedule_.lr);
  regularizer_options->momentum(train.get_float("momentum")).weight_decay(0.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(model_->parameters(), std::move(backbone_options));
  std::vector<torch::Tensor> regularizer_params;
  for (const torch::Tensor& p : regularizer_->parameters()) {
    if (p.requires_grad()) regularizer_params.push_back(p);
  }
  if (!regularizer_params.empty()) {
    groups.emplace_back(regularizer_params, std::move(regularizer_options));
  }
  optimizer_ = std::make_unique<torch::optim::SGD>(groups, torch::optim::SGDOptions(schedule_.lr));
}

// The whole batch's figures, and a stop request any process has seen: every
// process then decides alike (stop, or refuse a non-finite loss) and none is
// left waiting for the others.
void Trainer::agree_across_processes(StepResult& result) {
  const int world = parallel_->world_size();
  const torch::Tensor totals = parallel_->sum(torch::tensor(
      {result.task_loss, result.regularizer_loss, static_cast<double>(result.correct),
       static_cast<double>(result.images), stop_signal() != 0 ? 1.0 : 0.0},
      torch::kDouble));
  const double* t = totals.data_ptr<double>();
  result.task_loss = t[0] / world;
  result.regularizer_loss = t[1] / world;
  result.correct = static_cast<int64_t>(t[2]);
  result.images = static_cast<int64_t>(t[3]);
  agreed_stop_ = t[4] > 0 ? (stop_signal() != 0 ? stop_signal() : SIGTERM) : 0;
}

StepResult Trainer::step(const torch::Tensor& images_in, const torch::Tensor& labels_in,
                         const torch::Tensor& unaugmented) {
  torch::Tensor images = images_in.to(device_);
  torch::Tensor labels = labels_in.to(device_);
  model_->train();
  regularizer_->train();
  optimizer_->zero_grad();
  const std::vector<int> taps = regularizer_->task_taps();
  const torch::Tensor clean = unaugmented.defined() ? unaugmented.to(device_) : torch::Tensor();
  // A regularizer that brings its own batch (no task taps) runs and is
  // backpropagated first, so its graph is freed before the task pass: the
  // step holds one pass's activations at a time, not two. Gradients add up
  // to those of L_task + α·L_sim all the same.
  const bool own_batch = taps.empty();
  const int rank = parallel_ ? parallel_->rank() : 0;
  const int world = parallel_ ? parallel_->world_size() : 1;
  torch::Tensor sim_loss;
  if (own_batch) {
    const std::vector<torch::Tensor> no_features;
    sim_loss = regularizer_->loss(
        {*model_, images, labels, no_features, global_step_, clean, rank, world});
    if (sim_loss.defined() && sim_loss.requires_grad()) (alpha_ * sim_loss).backward();
  }
  sdk::TappedForward forward = model_->forward_taps(images, taps, /*with_logits=*/true);
  if (forward.features.size() != taps.size()) {
    throw std::runtime_error("backbone returned " + std::to_string(forward.features.size()) +
                             " taps for " + std::to_string(taps.size()) + " requested");
  }
  torch::Tensor task_loss = torch::nn::functional::cross_entropy(forward.logits, labels);
  if (!own_batch) {
    sim_loss = regularizer_->loss(
        {*model_, images, labels, forward.features, global_step_, clean, rank, world});
  }
  // What is left to backpropagate: the task loss, plus L_sim when it shares
  // the task pass.
  torch::Tensor pending =
      sim_loss.defined() && !own_batch ? task_loss + alpha_ * sim_loss : task_loss;

  StepResult result;
  result.task_loss = task_loss.item<double>();
  result.regularizer_loss = sim_loss.defined() ? sim_loss.item<double>() : 0.0;
  result.correct = forward.logits.argmax(1).eq(labels).sum().item<int64_t>();
  result.images = labels.size(0);
  if (parallel_) agree_across_processes(result);
  result.loss = result.task_loss + alpha_ * result.regularizer_loss;
  if (!std::isfinite(result.loss)) {
    throw std::runtime_error(absl::StrFormat(
        "non-finite loss at step %d: task loss %g, regularizer loss %g, alpha %g; stopping. %s",
        global_step_, result.task_loss, result.regularizer_loss, alpha_,
        last_checkpoint_.empty() ? "No checkpoint was written yet."
                                 : "Last good checkpoint: " + last_checkpoint_));
  }
  pending.backward();
  if (parallel_) {
    std::vector<torch::Tensor> parameters = model_->parameters();
    for (const torch::Tensor& p : regularizer_->parameters()) parameters.push_back(p);
    parallel_->average_gradients(parameters);
  }
  optimizer_->step();
  ++global_step_;
  return result;
}

// One step on the images at `indices`: augmented as one batch, then shared
// out, so each image gets the draws it gets in a single process.
StepResult Trainer::train_batch(const sdk::Split& train, const torch::Tensor& indices) {
  torch::Tensor images = train.images.index_select(0, indices);
  torch::Tensor labels = train.labels.index_select(0, indices);
  torch::Tensor augmented =
      augmentation_.any() ? augment(images, augmentation_, seed_, global_step_) : images;
  const int world = parallel_ ? parallel_->world_size() : 1;
  if (world > 1) {
    const int rank = parallel_->rank();
    const int64_t share = batch_size_ / world;
    images = images.slice(0, rank * share, (rank + 1) * share);
    labels = labels.slice(0, rank * share, (rank + 1) * share);
    augmented = augmented.slice(0, rank * share, (rank + 1) * share);
  }
  return augmentation_.any() ? step(augmented, labels, images) : step(images, labels);
}

void Trainer::log_progress(int epoch, int64_t s, int64_t steps, const StepResult& sum,
                           double seconds) {
  log_ << absl::StrFormat(
              "  epoch %d/%d  step %d/%d  loss %.4f (task %.4f, sim %.4f)  acc %.1f%%  "
              "%.0f img/s\n",
              epoch + 1, epochs_, s + 1, steps, sum.loss / (s + 1), sum.task_loss / (s + 1),
              sum.regularizer_loss / (s + 1), 100.0 * sum.correct / sum.images,
              sum.images / seconds)
       << std::flush;
}

// Data-parallel, each process scores its share of the images.
double Trainer::validation_accuracy(const sdk::Split& validation) {
  const int world = parallel_ ? parallel_->world_size() : 1;
  if (world == 1) return accuracy(*model_, validation, 256, device_);
  const sdk::Split mine = share_of(validation, parallel_->rank(), world);
  const double correct = mine.size() > 0 ? accuracy(*model_, mine, 256, device_) * mine.size() : 0;
  const double total = parallel_->sum(torch::tensor({correct}, torch::kDouble)).item<double>();
  return total / validation.size();
}

record::EpochMetrics Trainer::epoch_metrics(int epoch, double lr, int64_t steps,
                                            const StepResult& sum, double seconds,
                                            const sdk::Split& validation) {
  record::EpochMetrics metrics;
  metrics.set_epoch(epoch + 1);
  metrics.set_learning_rate(lr);
  metrics.set_loss(sum.loss / steps);
  metrics.set_task_loss(sum.task_loss / steps);
  metrics.set_regularizer_loss(sum.regularizer_loss / steps);
  metrics.set_train_accuracy(static_cast<double>(sum.correct) / sum.images);
  metrics.set_seconds(seconds);
  metrics.set_images_per_second(sum.images / metrics.seconds());
  if (validation.size() > 0) {
    metrics.set_has_validation(true);
    metrics.set_validation_accuracy(validation_accuracy(validation));
  }
  for (const auto& [key, value] : regularizer_->diagnostics()) {
    (*metrics.mutable_diagnostics())[key] = value;
  }
  return metrics;
}

record::EpochMetrics Trainer::run_epoch(int epoch, const sdk::Split& train,
                                        const sdk::Split& validation) {
  const double lr = schedule_.at(epoch);
  for (auto& group : optimizer_->param_groups()) {
    static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
  }
  const int64_t steps = train.size() / batch_size_;
  if (steps == 0) {
    throw std::invalid_argument("[train] batch_size " + std::to_string(batch_size_) +
                                " is larger than the " + std::to_string(train.size()) +
                                " training images");
  }
  torch::Tensor order;
  StepResult sum;
  int64_t first_step = 0;
  double earlier_seconds = 0;  // spent on this epoch before a stop
  if (partial_ && partial_->epoch == epoch) {
    order = partial_->order;
    first_step = partial_->step;
    sum = partial_->sum;
    earlier_seconds = partial_->seconds;
  } else {
    order = torch::randperm(train.size(), order_generator_, torch::kLong);
  }
  partial_.reset();
  const auto start = Clock::now();
  auto epoch_seconds = [&] { return earlier_seconds + seconds_since(start); };
  for (int64_t s = first_step; s < steps; ++s) {
    const StepResult r =
        train_batch(train, order.slice(0, s * batch_size_, (s + 1) * batch_size_));
    sum.loss += r.loss;
    sum.task_loss += r.task_loss;
    sum.regularizer_loss += r.regularizer_loss;
    sum.correct += r.correct;
    sum.images += r.images;
    if (step_observer_) {
      step_observer_(
          {epoch, epochs_, s + 1, steps, global_step_, lr, r, sum, sum.images / epoch_seconds()});
    }
    if (log_every_ > 0 && ((s + 1) % log_every_ == 0 || s + 1 == steps)) {
      log_progress(epoch, s, steps, sum, epoch_seconds());
    }
    if (const int sig = parallel_ ? agreed_stop_ : stop_signal(); sig != 0 && s + 1 < steps) {
      partial_ = PartialEpoch{epoch, order, s + 1, sum, epoch_seconds()};
      throw TrainingStopped(sig, epoch, s + 1, steps);
    }
  }
  return epoch_metrics(epoch, lr, steps, sum, epoch_seconds(), validation);
}

void Trainer::fit(const sdk::Split& train, const sdk::Split& validation, int first_epoch,
                  const std::function<void(const record::EpochMetrics&)>& on_epoch) {
  if (parallel_ && parallel_->world_size() > 1) {
    if (batch_size_ % parallel_->world_size() != 0) {
      throw std::invalid_argument(absl::StrFormat(
          "[train] batch_size %d does not split evenly over %d processes; choose a multiple of %d",
          batch_size_, parallel_->world_size(), parallel_->world_size()));
    }
    // Every process starts from rank 0's weights (and, resumed, from the
    // same checkpoint it read).
    std::vector<torch::Tensor> state = model_->parameters();
    for (const torch::Tensor& b : model_->buffers()) state.push_back(b);
    for (const torch::Tensor& p : regularizer_->parameters()) state.push_back(p);
    for (const torch::Tensor& b : regularizer_->buffers()) state.push_back(b);
    parallel_->broadcast(state);
  }
  for (int epoch = first_epoch; epoch < epochs_; ++epoch) {
    const int sig = parallel_ ? agreed_stop_ : stop_signal();
    if (sig != 0) throw TrainingStopped(sig, epoch, 0, 0);
    record::EpochMetrics metrics = run_epoch(epoch, train, validation);
    std::ostringstream line;
    line << absl::StrFormat("  epoch %d/%d done in %.1f s: train acc %.2f%%", epoch + 1, epochs_,
                            metrics.seconds(), 100.0 * metrics.train_accuracy());
    if (metrics.has_validation()) {
      line << absl::StrFormat(", val acc %.2f%%", 100.0 * metrics.validation_accuracy());
    }
    for (const auto& [key, value] : sorted_diagnostics(metrics.diagnostics()))
      line << absl::StrFormat(", %s %.3f", key, value);
    log_ << line.str() << "\n" << std::flush;
    if (on_epoch) on_epoch(metrics);
  }
}

void Trainer::save_checkpoint(const std::string& path, int next_epoch,
                              const std::string& attachment) {
  sdk::write_atomically_with(path, [&](const std::string& tmp) {
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive model, regularizer, optimizer;
    model_->save(model);
    regularizer_->save(regularizer);
    optimizer_->save(optimizer);
    archive.write("model", model);
    archive.write("regularizer", regularizer);
    archive.write("optimizer", optimizer);
    archive.write("order_generator", order_generator_.get_state());
    archive.write("global_step", torch::tensor(global_step_));
    archive.write("next_epoch", torch::tensor(static_cast<int64_t>(next_epoch)));
    if (partial_) {
      archive.write("epoch_order", partial_->order);
      archive.write("epoch_step", torch::tensor(partial_->step));
      archive.write(
          "epoch_sums",
          torch::tensor({partial_->sum.loss, partial_->sum.task_loss,
                         partial_->sum.regularizer_loss, static_cast<double>(partial_->sum.correct),
                         static_cast<double>(partial_->sum.images), partial_->seconds},
                        torch::kDouble));
    }
    if (!attachment.empty()) {
      archive.write("attachment",
                    torch::from_blob(const_cast<char*>(attachment.data()),
                                     {static_cast<int64_t>(attachment.size())}, torch::kUInt8)
                        .clone());
    }
    archive.save_to(tmp);
  });
  last_checkpoint_ = path;
}

int Trainer::load_checkpoint(const std::string& path, std::string* attachment) {
  if (const std::string problem = sdk::zip_archive_problem(path); !problem.empty()) {
    throw std::runtime_error(problem + "; it cannot be used. Remove it to start this run afresh");
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device_);
    torch::serialize::InputArchive model, regularizer, optimizer;
    archive.read("model", model);
    archive.read("regularizer", regularizer);
    archive.read("optimizer", optimizer);
    model_->load(model);
    regularizer_->load(regularizer);
    optimizer_->load(optimizer);
    torch::Tensor generator, step, next_epoch;
    archive.read("order_generator", generator);
    archive.read("global_step", step);
    archive.read("next_epoch", next_epoch);
    order_generator_.set_state(generator.cpu());
    global_step_ = step.item<int64_t>();
    const int next = static_cast<int>(next_epoch.item<int64_t>());
    partial_.reset();
    torch::Tensor epoch_order, epoch_step, epoch_sums, attached;
    if (archive.try_read("epoch_step", epoch_step)) {
      archive.read("epoch_order", epoch_order);
      archive.read("epoch_sums", epoch_sums);
      auto sums = epoch_sums.cpu().contiguous();
      const double* v = sums.data_ptr<double>();
      partial_ = PartialEpoch{
          next, epoch_order.cpu(), epoch_step.item<int64_t>(),
          StepResult{v[0], v[1], v[2], static_cast<int64_t>(v[3]), static_cast<int64_t>(v[4])},
          v[5]};
    }
    if (attachment != nullptr) {
      attachment->clear();
      if (archive.try_read("attachment", attached)) {
        attached = attached.cpu().contiguous();
        attachment->assign(reinterpret_cast<const char*>(attached.data_ptr<uint8_t>()),
                           static_cast<size_t>(attached.numel()));
      }
    }
    last_checkpoint_ = path;
    return next;
  } catch (const c10::Error& e) {
    throw std::runtime_error(path +
                             ": cannot resume from this checkpoint (written by another "
                             "config or version?): " +
                             e.what_without_backtrace());
  }
}

}  // namespace neuroreg
