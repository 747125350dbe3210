// Accuracy, clean, under additive Gaussian noise (Li et al., Fig. 4) and under
// any other change made to each batch of test images (common corruptions).
#pragma once

#include <neuroreg/sdk/backbone.h>
#include <neuroreg/sdk/dataset.h>
#include <neuroreg/sdk/options.h>

#include <cstdint>
#include <functional>
#include <optional>

#include "neuroreg/run_record.pb.h"

namespace neuroreg {

/// A change made to a batch of test images (on the CPU) before it is
/// classified, drawing any randomness from `generator`.
using ImageChange =
    std::function<torch::Tensor(const torch::Tensor& images, torch::Generator& generator)>;

/// Accuracy of `model` (put in eval mode, restored after) on `split`, each
/// batch passed through `change` first (none when empty). The batches share
/// one CPU generator seeded with `seed`, in order, so every model and device
/// sees the same images.
double accuracy_under(sdk::Backbone& model, const sdk::Split& split, int64_t batch_size,
                      torch::Device device, const ImageChange& change, uint64_t seed);

/// Accuracy of `model` (put in eval mode, restored after) on `split`. With a
/// noise sigma, each image gets x + σ·N(0,1) clipped to [0,1]; the noise comes
/// from `seed` on the CPU, so every model and device sees the same noise.
double accuracy(sdk::Backbone& model, const sdk::Split& split, int64_t batch_size,
                torch::Device device, double noise_sigma = 0.0, uint64_t seed = 0);

/// The test images, clean accuracy and one accuracy per σ in the [eval]
/// table's noise_sigmas: what a run record and a robustness record share.
record::Evaluation noise_accuracies(sdk::Backbone& model, const sdk::Split& test,
                                    const sdk::Options& eval, torch::Device device);

/// noise_accuracies with the test split's checksum, as a run record keeps it.
record::Evaluation evaluate_noise(sdk::Backbone& model, const sdk::Split& test,
                                  const sdk::Options& eval, torch::Device device);

}  // namespace neuroreg
