// Neural pipeline benchmark: what fitting a predictive model costs per step
// for each core, and what building a target costs against one GEMM of its
// size.
//
// Fitting: one Adam step (forward, backward, update) on a batch of 64
// z-scored 36×64 images for a scan of `neurons` neurons, per core, in
// interleaved rounds (medians), and the core's own forward+backward share.
//
// Targets: SNR weights (Eq. 1) and unit embeddings (Eq. 2/6) of `scans`
// response matrices of `stimuli` × `neurons`, averaged over scans — all a
// target needs — against one GEMM E Eᵀ of the averaged embeddings
// (stimuli × scans·neurons × stimuli), the product a dense S would cost.
#pragma once

#include <cstdint>
#include <ostream>

namespace neuroreg {

struct NeuralBenchSettings {
  int64_t stimuli = 5000;
  int64_t scans = 8;
  int64_t neurons = 8000;      ///< per scan, for the target part
  int64_t fit_neurons = 1000;  ///< per scan, for the fitting part
  int64_t features = 16;       ///< rotation_equivariant / regular_cnn
  int rounds = 5;
  int steps_per_round = 3;
};

void run_neural_bench(const NeuralBenchSettings& settings, std::ostream& out);

}  // namespace neuroreg
