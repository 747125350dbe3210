// One grid cell flattened into named numbers, so that every report (CSV,
// tables, figures) reads the same values under the same names.
//
// Naming (stable: scripts read summary.csv by these column names):
//
//   clean                          clean test accuracy (fraction, 0..1)
//   noise/<σ>                      accuracy under Gaussian noise of std σ, σ as %g: noise/0.1
//   corruption/<name>/<severity>   accuracy on one corruption: corruption/brightness/5
//   corruption/<name>/mean         mean over that corruption's severities
//   corruption/mean                mean over every corruption and severity
//   <norm>/median                  median minimal adversarial perturbation (∞ when under
//                                  half of the samples have an adversarial): L2/median
//   <norm>/mean                    mean minimal perturbation over the samples with one
//   <norm>/success_rate            fraction of samples with an adversarial
//   epoch/<e>/<field>              per epoch (1-based): loss, task_loss, regularizer_loss,
//                                  train_accuracy, validation_accuracy (when measured),
//                                  learning_rate, images_per_second
//   epoch/<e>/<diagnostic>         the regularizer's diagnostics: epoch/3/gamma/conv5
//   wall_seconds                   training wall time
//
// Accuracies are fractions everywhere in data files; tables show percent.
// clean and noise/<σ> come from the robustness record when the cell has one
// (the dedicated evaluation), otherwise from the run record's evaluation.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "report/cell_result.h"

namespace neuroreg {

/// A cell's metrics in a fixed order: evaluation, corruptions, norms,
/// epochs, wall time. Values may be non-finite (an ∞ median).
using Metrics = std::vector<std::pair<std::string, double>>;

Metrics cell_metrics(const CellResult& cell);

/// The names of the scheme above, for readers that look one up.
std::string noise_metric(double sigma);                                          // "noise/0.1"
std::string norm_metric(const std::string& norm, const std::string& statistic);  // "L2/median"
std::string epoch_metric(int epoch, const std::string& field);                   // "epoch/3/loss"

/// σ as it appears in names and headers: %g ("0.1", "0.05").
std::string format_sigma(double sigma);

/// The noise levels of a cell's evaluation, in record order.
std::vector<double> cell_sigmas(const CellResult& cell);

}  // namespace neuroreg
