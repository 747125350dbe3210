// Simulated recordings: scans of model V1 neurons in the Sensorium folder
// layout, with the noise-free truth beside them, so the neural pipeline runs
// end to end anywhere and can be scored against what it should recover.
//
// Every scan shows the same images (the paper's design): `unique_images`
// shown once (a tenth of them, by image, in the validation tier) and
// `oracle_images` shown `repeats` times (the test tier, sharing a
// frame_image_id), in a shuffled order. Each scan records its own neurons
// (its own V1Population); scans come from `animals` animals, which differ in
// how behaviour modulates the responses. Per trial: pupil size and running
// speed follow slow random walks and set a multiplicative gain; the pupil
// centre wanders and shifts the image on the receptive fields (equivalent to
// shifting every field); responses are Poisson around rate × gain.
//
//   DIR/<animal>-<scan>/            the scan folder (read_scan reads it)
//   DIR/<animal>-<scan>/truth/responses.npy   N×A noise-free rate × gain
//   DIR/<animal>-<scan>/truth/simulator.txt   the physiology and stimuli
//
// The scans are independent populations: the gate (v1_descriptors.h) is
// reported across their noise-free `model` targets on the first images.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <ostream>
#include <string>

#include "neural/recordings.h"
#include "neural/simulated_v1.h"

namespace neuroreg {

struct ScanSimulation {
  int64_t animals = 2;
  int64_t scans_per_animal = 2;
  int64_t unique_images = 5000;
  int64_t oracle_images = 100;
  int64_t repeats = 10;
  double validation_fraction = 0.1;
  V1Settings v1;  ///< neurons per scan, image size, rates, physiology; its seed seeds everything
  std::string stimuli_source;  ///< the images in words, for truth/simulator.txt
};

/// Simulates every scan on `images` (at least unique_images + oracle_images
/// of N×1×h×w in [0,1]; they are resized to the V1 grid and stored as 0..255)
/// and writes them under `out_dir`. Prints the first scan's descriptors and
/// the gate across scans. Returns the scan folders' paths.
std::vector<std::string> simulate_scans(const torch::Tensor& images, const ScanSimulation& sim,
                                        const std::string& out_dir, std::ostream& log);

/// Where the noise-free responses of the scan at `scan_dir` are: its
/// truth/responses.npy, or with `truth_dir` <truth_dir>/<scan folder
/// name>/responses.npy.
std::string truth_file(const std::string& scan_dir, const std::string& truth_dir = "");

/// The noise-free responses in `file` (see truth_file), scaled like
/// normalized(scan)'s responses; undefined when there is no such file (real
/// recordings). Throws naming the file when its shape does not match the scan.
torch::Tensor read_truth(const Scan& scan, const std::string& file);

}  // namespace neuroreg
