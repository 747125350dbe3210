// Training-step benchmark: what a regularizer costs on top of plain training.
//
// Every [[regularizer]] of a config trains on the same batches from the same
// initial weights; timings are taken in interleaved rounds (each regularizer
// once per round) so that machine noise hits all of them alike, and each
// reports the median over rounds. The ratio to plain training (`none`, added
// when the config lacks it) is measured in the same process, moments apart.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "experiment/assemble.h"
#include "plugin_host/registry.h"

namespace neuroreg {

struct BenchSettings {
  int rounds = 5;           ///< interleaved rounds
  int steps_per_round = 5;  ///< timed steps per regularizer per round
  int warmup_steps = 2;     ///< untimed steps first (allocator, oneDNN primitives)
};

struct BenchResult {
  std::string label;
  double ms_per_step = 0;  ///< median over rounds
  double images_per_second = 0;
  double ratio_to_plain = 0;  ///< ms_per_step / plain ms_per_step
  double system_share = 0;    ///< system CPU time / user CPU time over the timed steps
  double minor_faults_per_step = 0;
  int64_t peak_rss_bytes = 0;  ///< the process's peak resident set during this row's rounds
};

/// The `none` regularizer (label "none", alpha 0): the plain training every
/// benchmark compares with.
ComponentConfig plain_training(const Registry& registry);

/// Runs the benchmark and prints a table to `out`.
std::vector<BenchResult> run_step_bench(const RunConfig& config, const Registry& registry,
                                        const RunOverrides& overrides,
                                        const BenchSettings& settings, std::ostream& out);

}  // namespace neuroreg
