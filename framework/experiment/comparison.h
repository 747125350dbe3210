// A comparison: one run per [[regularizer]] with the same data, backbone,
// initial weights and seed, each trained, evaluated and recorded.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "neuroreg/run_record.pb.h"
#include "plugin_host/registry.h"

namespace neuroreg {

/// Overrides from the command line, applied on top of the config.
struct RunOverrides {
  std::string device;  ///< empty: keep the config's
  int threads = -1;    ///< -1: keep the config's
  bool resume = false; ///< continue runs from their checkpoints, skip finished ones
};

/// Trains and evaluates every regularizer of `config`, writing
/// <output_dir>/<run name>/<label>/{checkpoint.pt, record.pb} after every
/// epoch, model.pt at the end, and <output_dir>/<run name>/comparison.txt.
/// With `resume`, finished runs are read back and unfinished ones continue
/// from their last checkpoint. Progress goes to `log`.
std::vector<record::RunRecord> run_comparison(const RunConfig& config, const Registry& registry,
                                              const RunOverrides& overrides, std::ostream& log);

/// The side-by-side table: one row per run, clean accuracy and each σ.
std::string format_comparison(const std::vector<record::RunRecord>& records);

}  // namespace neuroreg
