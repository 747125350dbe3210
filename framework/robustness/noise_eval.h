// Accuracy, clean and under additive Gaussian noise (Li et al., Fig. 4).
#pragma once

#include <neuroreg/sdk/backbone.h>
#include <neuroreg/sdk/dataset.h>
#include <neuroreg/sdk/options.h>

#include <cstdint>
#include <optional>

#include "neuroreg/run_record.pb.h"

namespace neuroreg {

/// Accuracy of `model` (put in eval mode, restored after) on `split`. With a
/// noise sigma, each image gets x + σ·N(0,1) clipped to [0,1]; the noise comes
/// from `seed` on the CPU, so every model and device sees the same noise.
double accuracy(sdk::Backbone& model, const sdk::Split& split, int64_t batch_size,
                torch::Device device, double noise_sigma = 0.0, uint64_t seed = 0);

/// Clean accuracy and one accuracy per σ in the [eval] table's noise_sigmas.
record::Evaluation evaluate_noise(sdk::Backbone& model, const sdk::Split& test,
                                  const sdk::Options& eval, torch::Device device);

}  // namespace neuroreg
