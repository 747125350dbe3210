// How well a predictive model does, per neuron, on the oracle repeats (the
// test tier), in the measures the mouse-V1 literature reports.
//
// Inputs are I×T×A: oracle images × repeats × neurons, predictions made
// with each trial's own behaviour.
#pragma once

#include <torch/types.h>

namespace neuroreg {

/// Pearson correlation of each column of two N×A tensors; 0 for a column
/// that does not vary (a constant prediction explains nothing).
torch::Tensor neuron_correlations(const torch::Tensor& a, const torch::Tensor& b);

struct NeuronMetrics {
  torch::Tensor test_correlation;        ///< single trials: r(prediction, response)
  torch::Tensor correlation_to_average;  ///< r(mean prediction, mean response) over images
  /// r(response, mean of the other repeats of its image): how well the data
  /// predict themselves, the ceiling of test_correlation.
  torch::Tensor oracle_correlation;
  /// Fraction of explainable variance explained: 1 − (MSE − η²)/(Var − η²),
  /// η² the variance over repeats (noise) averaged over images. NaN where
  /// less than 1% of a neuron's variance is explainable.
  torch::Tensor feve;
  /// Zero-intercept slope of test_correlation over oracle_correlation across
  /// neurons: how much of the attainable the model attains.
  double fraction_of_oracle = 0;
};

NeuronMetrics neuron_metrics(const torch::Tensor& predicted, const torch::Tensor& responses);

}  // namespace neuroreg
