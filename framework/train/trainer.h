// The training loop: L = L_task + α·L_sim (Eq. 7) with SGD.
//
// Each step runs the backbone once on the task batch, collecting the taps the
// regularizer asked for, so regularizers that match on the task batch add no
// forward pass of their own.
#pragma once

#include <neuroreg/sdk/backbone.h>
#include <neuroreg/sdk/dataset.h>
#include <neuroreg/sdk/options.h>
#include <neuroreg/sdk/regularizer.h>
#include <torch/optim/sgd.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>

#include "data/augment.h"
#include "distributed/data_parallel.h"
#include "neuroreg/run_record.pb.h"
#include "train/lr_schedule.h"

namespace neuroreg {

/// Sums of one step, for logging.
struct StepResult {
  double loss = 0;
  double task_loss = 0;
  double regularizer_loss = 0;
  int64_t correct = 0;
  int64_t images = 0;
};

/// Where training stands after one step, for observers (progress lines,
/// TensorBoard). Means are over the epoch so far.
struct StepProgress {
  int epoch = 0;  ///< 0-based
  int epochs = 0;
  int64_t step = 0;         ///< steps done in this epoch (1-based)
  int64_t steps = 0;        ///< steps per epoch
  int64_t global_step = 0;  ///< steps done since the run began
  double learning_rate = 0;
  StepResult last;               ///< this step alone
  StepResult sum;                ///< the epoch so far
  double images_per_second = 0;  ///< over the epoch so far
};

/// Thrown at a step boundary when a stop was requested (runtime/stop_signals.h).
/// The trainer holds where the epoch stands; save_checkpoint writes it, and a
/// resumed run continues from that very step.
struct TrainingStopped : std::runtime_error {
  TrainingStopped(int signal, int epoch, int64_t step, int64_t steps);
  int signal;
  int epoch;     ///< 0-based
  int64_t step;  ///< steps done in that epoch
};

class Trainer {
 public:
  /// `train` is the [train] table. The model and regularizer must already be
  /// on `device`.
  Trainer(std::shared_ptr<sdk::Backbone> model, std::shared_ptr<sdk::Regularizer> regularizer,
          double alpha, const sdk::Options& train, torch::Device device, uint64_t seed,
          std::ostream& log, Augmentation augmentation = {});

  /// One optimisation step on a batch (images in [0,1], on any device).
  /// Throws std::runtime_error naming the step and the loss terms when the
  /// loss is not finite.
  /// `unaugmented` is the batch before augmentation, for regularizers that
  /// want it (undefined when the batch was not augmented).
  StepResult step(const torch::Tensor& images, const torch::Tensor& labels,
                  const torch::Tensor& unaugmented = {});

  /// One epoch (0-based index) over `train` in a seeded random order, dropping
  /// the last partial batch; validation accuracy when `validation` has images.
  record::EpochMetrics run_epoch(int epoch, const sdk::Split& train, const sdk::Split& validation);

  /// Epochs from `first_epoch` (0-based) to the last; calls `on_epoch` after
  /// each, with the epoch's metrics. Throws TrainingStopped at the first step
  /// boundary after a stop request.
  void fit(const sdk::Split& train, const sdk::Split& validation, int first_epoch,
           const std::function<void(const record::EpochMetrics&)>& on_epoch);

  /// Writes, atomically, everything a resumed run needs to continue exactly:
  /// weights and buffers, the regularizer's parameters, the optimizer's
  /// momentum, the data-order generator, the step count, `next_epoch`, the
  /// unfinished epoch when training was stopped mid-way, and `attachment`
  /// (the caller's bytes: the run record, so that both are committed by one
  /// rename).
  void save_checkpoint(const std::string& path, int next_epoch, const std::string& attachment = "");

  /// Verifies (zip CRCs) and restores a save_checkpoint file; returns the
  /// epoch to continue from and fills `attachment` (empty for checkpoints
  /// written without one). Throws std::runtime_error naming the file when it
  /// is damaged or does not fit.
  int load_checkpoint(const std::string& path, std::string* attachment = nullptr);

  int epochs() const { return epochs_; }
  int64_t global_step() const { return global_step_; }

  /// Trains data-parallel in `group` (kept by the caller, outliving this):
  /// each process takes its share of every task batch, gradients are
  /// averaged over the processes, and the logged losses and accuracy are
  /// those of the whole batch. fit() first gives every process rank 0's
  /// weights. Only rank 0 should save checkpoints.
  void set_data_parallel(DataParallel* group) { parallel_ = group; }

  /// Called after every step (on the training thread; keep it cheap).
  void set_step_observer(std::function<void(const StepProgress&)> observer) {
    step_observer_ = std::move(observer);
  }

 private:
  // Steps of step() and run_epoch().
  void agree_across_processes(StepResult& result);
  StepResult train_batch(const sdk::Split& train, const torch::Tensor& indices);
  void log_progress(int epoch, int64_t s, int64_t steps, const StepResult& sum, double seconds);
  double validation_accuracy(const sdk::Split& validation);
  record::EpochMetrics epoch_metrics(int epoch, double lr, int64_t steps, const StepResult& sum,
                                     double seconds, const sdk::Split& validation);

  std::shared_ptr<sdk::Backbone> model_;
  std::shared_ptr<sdk::Regularizer> regularizer_;
  double alpha_;
  int epochs_;
  int64_t batch_size_;
  int64_t log_every_;
  StepSchedule schedule_;
  torch::Device device_;
  uint64_t seed_;
  Augmentation augmentation_;
  std::unique_ptr<torch::optim::SGD> optimizer_;
  torch::Generator order_generator_;
  std::ostream& log_;
  int64_t global_step_ = 0;
  std::function<void(const StepProgress&)> step_observer_;
  DataParallel* parallel_ = nullptr;
  int agreed_stop_ = 0;  ///< a stop request every process has seen (data-parallel)
  // An epoch stopped part-way: its data order, steps done and sums so far.
  struct PartialEpoch {
    int epoch = 0;
    torch::Tensor order;
    int64_t step = 0;
    StepResult sum;
    double seconds = 0;
  };
  std::optional<PartialEpoch> partial_;
  std::string last_checkpoint_;  ///< named when a non-finite loss stops the run
};

}  // namespace neuroreg
