// Fitting a predictive model to one scan: Poisson loss plus the model's
// penalties, Adam, and early stopping on the validation correlation.
//
// Training uses the train tier, early stopping the validation tier; the test
// tier (the oracle repeats) is left for the metrics. After `patience` epochs
// without a better mean validation correlation the best weights come back
// and the learning rate drops by `lr_decay`; after `lr_decays` drops (or
// `max_epochs`) fitting stops with the best weights.
#pragma once

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <memory>
#include <ostream>
#include <vector>

#include "neural/model/predictive_model.h"
#include "neural/recordings.h"

namespace neuroreg {

struct FitSettings {
  ModelSettings model;
  int64_t max_epochs = 40;
  int64_t batch_size = 64;
  double learning_rate = 0.005;
  int64_t patience = 3;
  int64_t lr_decays = 2;
  double lr_decay = 0.3;
  uint64_t seed = 0;
};

struct FitResult {
  std::shared_ptr<PredictiveModel> model;  ///< the best weights, in eval mode
  int64_t epochs = 0;
  double validation_correlation = 0;  ///< the best mean over neurons
  double seconds = 0;
};

/// Poisson negative log-likelihood (without the log ρ! term), summed over
/// neurons and averaged over the batch.
torch::Tensor poisson_loss(const torch::Tensor& rates, const torch::Tensor& responses);

/// One optimisation step on a batch; returns the Poisson loss before it.
double fit_step(PredictiveModel& model, torch::optim::Optimizer& optimizer,
                const torch::Tensor& images, const torch::Tensor& behavior,
                const torch::Tensor& pupil_center, const torch::Tensor& responses);

/// Rates of `model` (eval mode, no gradients) for the given trials of a
/// normalised scan, in batches. With `mean_behavior`, every trial gets the
/// scan's mean behaviour and pupil centre: the purely visual response.
torch::Tensor predict(PredictiveModel& model, const Scan& scan, const torch::Tensor& trials,
                      bool mean_behavior = false);

/// Trial indices of a tier, ascending.
torch::Tensor tier_trials(const Scan& scan, const std::string& tier);

/// Fits a model to a normalised scan (see normalized()), reporting each epoch
/// to `log`. `name` labels the progress lines.
FitResult fit_predictive_model(const Scan& scan, const FitSettings& settings,
                               const std::string& name, std::ostream& log);

}  // namespace neuroreg
