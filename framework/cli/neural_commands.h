// `neuroreg neural ...` and `neuroreg target simulate-v1`: the neural
// pipeline from recordings (real or simulated) to similarity targets.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "plugin_host/registry.h"

namespace neuroreg {

struct NeuralArgs {
  std::string out;
  std::string dataset = "fashion_mnist";
  int stimuli = 5000;
  int neurons = 1000;
  int seed = 0;
  int scans = 2;
  int threads = 0;
  bool stimuli_set = false, neurons_set = false, scans_set = false;  ///< given on the command line
  bool dataset_set = false;
  // simulate-v1, neural simulate
  std::string physiology = "mouse";            ///< mouse | legacy (v1_physiology.h)
  std::string stimuli_source = "dead_leaves";  ///< dead_leaves | dataset (--dataset)
  // fit
  std::string core = "paper_cnn";
  int features = 16;
  int epochs = 40;
  // target
  std::string models;
  std::string normalise = "std";
  std::string truth;
};

/// `neural bench`: fitting steps per core and target building against a GEMM.
int bench_command(const NeuralArgs& args, int rounds, std::ostream& out);

/// `target simulate-v1 --out DIR`: targets straight from a simulated population.
int simulate_v1_command(const NeuralArgs& args, const Registry& registry, std::ostream& out,
                        std::ostream& err);

/// `neural simulate --out DIR`: recordings in the Sensorium layout.
int simulate_command(const NeuralArgs& args, const Registry& registry, std::ostream& out,
                     std::ostream& err);

/// `neural fit --out DIR SCAN...`: one predictive model per scan, DIR/<scan>/model.pt.
int fit_command(const NeuralArgs& args, const std::vector<std::string>& scans, std::ostream& out,
                std::ostream& err);

/// `neural target --out DIR [--models DIR] SCAN...`: DIR/data (neural_data),
/// DIR/model (neural_model, with models), DIR/pixels (the pixel control over
/// the same rows) and DIR/report.
int target_command(const NeuralArgs& args, const std::vector<std::string>& scans, std::ostream& out,
                   std::ostream& err);

}  // namespace neuroreg
