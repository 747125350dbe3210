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
#include <ostream>

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

class Trainer {
 public:
  /// `train` is the [train] table. The model and regularizer must already be
  /// on `device`.
  Trainer(std::shared_ptr<sdk::Backbone> model, std::shared_ptr<sdk::Regularizer> regularizer,
          double alpha, const sdk::Options& train, torch::Device device, uint64_t seed,
          std::ostream& log);

  /// One optimisation step on a batch (images in [0,1], on any device).
  /// Throws std::runtime_error naming the step and the loss terms when the
  /// loss is not finite.
  StepResult step(const torch::Tensor& images, const torch::Tensor& labels);

  /// One epoch (0-based index) over `train` in a seeded random order, dropping
  /// the last partial batch; validation accuracy when `validation` has images.
  record::EpochMetrics run_epoch(int epoch, const sdk::Split& train, const sdk::Split& validation);

  /// All epochs; calls `on_epoch` after each.
  void fit(const sdk::Split& train, const sdk::Split& validation,
           const std::function<void(const record::EpochMetrics&)>& on_epoch);

 private:
  std::shared_ptr<sdk::Backbone> model_;
  std::shared_ptr<sdk::Regularizer> regularizer_;
  double alpha_;
  int epochs_;
  int64_t batch_size_;
  int64_t log_every_;
  StepSchedule schedule_;
  torch::Device device_;
  std::unique_ptr<torch::optim::SGD> optimizer_;
  torch::Generator order_generator_;
  std::ostream& log_;
  int64_t global_step_ = 0;
};

}  // namespace neuroreg
