// The `neural_data` target from recordings (Li et al. 2019, Eq. 2 over
// scans) and how noisy it is (Fig. 1D's r(S_data, S_oracle)).
//
// Per scan: SNR weights from the oracle repeats (Eq. 1; the test tier,
// grouped by frame_image_id), then unit embeddings of the weighted single
// trials of every image shown once (train and validation tiers), ordered by
// frame_image_id. Scans must show the same images; their embeddings are
// averaged (S is the mean over scans). With simulated scans, whose folders
// hold truth/responses.npy, the same is scored against the noise-free truth.
#pragma once

#include <neuroreg/sdk/target.h>

#include <string>
#include <vector>

namespace neuroreg {

struct DataTargetReport {
  int64_t scans = 0;
  int64_t stimuli = 0;  ///< non-oracle images in the target
  int64_t oracle_images = 0;
  int64_t repeats = 0;
  /// Mean over scans of r(S_data, S_oracle): single-trial similarities of two
  /// different oracle images against their S_oracle (Fig. 1D; paper 0.39).
  double r_data_oracle = 0;
  /// Mean over scans of r(S_data, S_true) on the same pairs, S_true from the
  /// noise-free responses; NaN without truth files.
  double r_data_truth = 0;
  /// Mean over scans of r(S_oracle, S_true) over pairs of oracle images; NaN
  /// without truth files.
  double r_oracle_truth = 0;
};

/// Builds the target from the scan folders at `scan_dirs`.
sdk::SimilarityTarget data_target(const std::vector<std::string>& scan_dirs,
                                  DataTargetReport& report);

}  // namespace neuroreg
