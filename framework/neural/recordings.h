// Recordings in the Sensorium / neuralpredictors folder layout, one folder
// per scan, read and written as mouse-V1 users have them:
//
//   scan/data/images/{i}.npy        1×H×W  (36×64, or 144×256: downsampled by 4)
//   scan/data/responses/{i}.npy     n_neurons
//   scan/data/behavior/{i}.npy      3      pupil size, its derivative, running speed
//   scan/data/pupil_center/{i}.npy  2
//   scan/meta/trials/tiers.npy           unicode: train, validation, test, final_test
//   scan/meta/trials/frame_image_id.npy  repeated ("oracle") images share an id
//   scan/meta/trials/trial_idx.npy
//   scan/meta/neurons/unit_ids.npy
//   scan/meta/statistics/<images|responses|behavior|pupil_center>/all/{mean,std}.npy
//
// Reading checks every file against the trial count and the first trial's
// shapes and names the path at fault; writing assembles the folder under a
// temporary name and renames it into place.
#pragma once

#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

namespace neuroreg {

/// Mean and standard deviation of one data kind over all trials.
struct Statistics {
  torch::Tensor mean;
  torch::Tensor std;
};

/// One scan, as stored (nothing normalised).
struct Scan {
  torch::Tensor images;                          ///< N×1×H×W float
  torch::Tensor responses;                       ///< N×A float
  torch::Tensor behavior;                        ///< N×3 float
  torch::Tensor pupil_center;                    ///< N×2 float
  std::vector<std::string> tiers;                ///< N, each train/validation/test/final_test
  torch::Tensor frame_image_id;                  ///< N int64
  torch::Tensor trial_idx;                       ///< N int64
  torch::Tensor unit_ids;                        ///< A int64
  std::map<std::string, Statistics> statistics;  ///< by data kind

  int64_t trials() const { return static_cast<int64_t>(tiers.size()); }

  /// Statistics over every trial, the way the layout stores them: scalar
  /// for images, per element for the others.
  void compute_statistics();
};

/// Reads and validates a scan folder. Throws std::runtime_error naming the
/// path at fault.
Scan read_scan(const std::string& dir);

/// Writes a scan folder atomically (replacing an older one).
void write_scan(const Scan& scan, const std::string& dir);

/// What a model is fitted on: images z-scored with the scalar image
/// statistics (and 144×256 downsampled by 4 to 36×64), responses divided by
/// each neuron's std floored at 1% of the mean std, behaviour divided by its
/// std, pupil centre z-scored.
Scan normalized(const Scan& scan);

/// What normalized() divides each neuron's responses by: its standard
/// deviation from meta/statistics, floored at 1% of the mean over neurons
/// (so near-silent neurons are not blown up). A tensor of A values.
torch::Tensor response_scale(const Scan& scan);

/// Trial indices of the test tier (the oracle repeats) grouped by image:
/// I×T, images by ascending frame_image_id, T the fewest repeats any image
/// has (extra repeats are left out, so every image counts alike). Throws
/// naming `dir` when there are fewer than 2 images with 2 repeats.
torch::Tensor oracle_trials(const Scan& scan, const std::string& dir);

/// Trial indices of the images shown once (train and validation tiers),
/// ordered by frame_image_id so that every scan of a session lines up.
torch::Tensor once_trials(const Scan& scan);

}  // namespace neuroreg
