// Common corruptions in the CIFAR-10-C style (Hendrycks & Dietterich, ICLR 2019),
// computed on the fly on image batches at five severities.
//
// The parameters per severity are those of hendrycks/robustness,
// ImageNet-C/create_c/make_cifar_c.py (the script that made CIFAR-10-C); each
// corruption's comment in corruptions.cpp quotes its list and says where this
// implementation departs from the original (the original works on 8-bit PIL
// images and stores uint8; here everything stays float in [0,1]).
//
// Randomness (noise, motion-blur angles) comes only from the CPU generator passed
// in, drawn on the CPU in a fixed order, so a seed gives the same corrupted
// images on every device and for every model (as noise_eval does).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace neuroreg {

/// Severities run 1..kCorruptionSeverities, as in CIFAR-10-C.
constexpr int kCorruptionSeverities = 5;

/// The corruptions `corrupt` knows, in a fixed order: gaussian_noise, shot_noise,
/// impulse_noise, defocus_blur, motion_blur, zoom_blur, contrast, brightness,
/// pixelate, jpeg_compression.
const std::vector<std::string>& corruption_names();

/// Corrupts a batch `images` (N×C×H×W, floating point, values in [0,1], C = 1 or 3,
/// any device) with corruption `name` at `severity` (1..5). The result has the
/// input's shape, dtype and device, is clipped to [0,1] and carries no autograd
/// history. `generator` must be a CPU generator; it is advanced only by the
/// random corruptions (the three noises and motion_blur).
///
/// Throws std::invalid_argument for an unknown name (the message lists the known
/// ones), a severity outside 1..5, a non-CPU generator, or a malformed batch;
/// std::runtime_error if the JPEG codec fails.
torch::Tensor corrupt(const torch::Tensor& images, const std::string& name, int severity,
                      torch::Generator& generator);

/// Convenience: the same with a fresh CPU generator seeded with `seed`.
torch::Tensor corrupt(const torch::Tensor& images, const std::string& name, int severity,
                      uint64_t seed);

}  // namespace neuroreg
