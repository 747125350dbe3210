// The data-parallel row of `neuroreg bench`: one plain training step (the
// config's backbone and batch, no regularizer) in 1 and in 2 processes on
// this machine, each process with one CPU thread, and the share of the step
// the processes spend exchanging gradients and losses (c10d, Gloo, over the
// loopback). Each world size runs as real processes: this binary started
// again with the launcher's variables, as torchrun would.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "bench/step_bench.h"
#include "config/run_config.h"
#include "plugin_host/registry.h"

namespace neuroreg {

struct DistributedBenchRow {
  int world_size = 1;
  double ms_per_step = 0;  ///< median over rounds, rank 0's clock
  double images_per_second = 0;
  double communication_share = 0;  ///< of rank 0's step time
};

/// Runs the workers (`executable` `child_args` with --data-parallel-worker)
/// for world sizes 1 and 2 and prints the rows.
std::vector<DistributedBenchRow> run_distributed_bench(const std::string& executable,
                                                       const std::vector<std::string>& child_args,
                                                       std::ostream& out);

/// One worker process: times plain training steps in the group its
/// environment describes; rank 0 prints "ms_per_step communication_share".
void run_bench_worker(const RunConfig& config, const Registry& registry,
                      const BenchSettings& settings, std::ostream& out);

}  // namespace neuroreg
