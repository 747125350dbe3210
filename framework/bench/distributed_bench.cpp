#include "bench/distributed_bench.h"

#include <absl/strings/str_format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "data/task_data.h"
#include "distributed/data_parallel.h"
#include "experiment/assemble.h"
#include "runtime/runtime.h"
#include "runtime/subprocess.h"
#include "train/trainer.h"

namespace neuroreg {
namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

}  // namespace

void run_bench_worker(const RunConfig& config, const Registry& registry,
                      const BenchSettings& settings, std::ostream& out) {
  // One CPU thread per process: the processes share the cores.
  const Placement place = place_run(config, RunOverrides{"cpu", 1});
  const DistributedEnv env = distributed_env();
  DataParallel group(env, std::chrono::seconds(config.run.get_int("distributed_timeout")));
  const int64_t batch = config.train.get_int("batch_size");
  if (batch % env.world_size != 0) {
    throw std::invalid_argument(absl::StrFormat(
        "bench: [train] batch_size %d does not split over %d processes", batch, env.world_size));
  }
  const TaskData data = assemble_data(config, registry);
  if (data.train.size() < batch) {
    throw std::invalid_argument("bench needs at least one batch of " + std::to_string(batch) +
                                " training images");
  }
  const int64_t share = batch / env.world_size;
  const torch::Tensor images = data.train.images.slice(0, env.rank * share, (env.rank + 1) * share);
  const torch::Tensor labels = data.train.labels.slice(0, env.rank * share, (env.rank + 1) * share);
  std::ostringstream discard;
  Assembly built = assemble(config, plain_training(registry), data.info, registry, place.device,
                            discard);
  Trainer& trainer = *built.trainer;
  trainer.set_data_parallel(&group);
  for (int i = 0; i < settings.warmup_steps; ++i) trainer.step(images, labels);
  std::vector<double> round_ms;
  const double communication_before = group.communication_seconds();
  double total_seconds = 0;
  for (int round = 0; round < settings.rounds; ++round) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < settings.steps_per_round; ++i) trainer.step(images, labels);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    total_seconds += seconds;
    round_ms.push_back(1000.0 * seconds / settings.steps_per_round);
  }
  const double communication = group.communication_seconds() - communication_before;
  if (env.rank == 0) {
    out << absl::StrFormat("%.6f %.6f %d\n", median(round_ms), communication / total_seconds,
                           batch);
  }
}

std::vector<DistributedBenchRow> run_distributed_bench(const std::string& executable,
                                                       const std::vector<std::string>& child_args,
                                                       std::ostream& out) {
  std::vector<DistributedBenchRow> rows;
  out << "\ndata-parallel: plain training (none), one CPU thread per process, c10d Gloo over "
         "the loopback\n";
  out << absl::StrFormat("%-10s %9s %9s %14s\n", "processes", "ms/step", "images/s",
                         "communication");
  for (const int world : {1, 2}) {
    const std::string port = std::to_string(free_loopback_port());
    // Every rank a child process, started at once; their outputs come back
    // through files (run_program).
    auto argv = [&](int rank) {
      std::vector<std::string> a = {"/usr/bin/env",
                                    "WORLD_SIZE=" + std::to_string(world),
                                    "RANK=" + std::to_string(rank),
                                    "LOCAL_RANK=" + std::to_string(rank),
                                    "MASTER_ADDR=127.0.0.1",
                                    "MASTER_PORT=" + port,
                                    executable};
      a.insert(a.end(), child_args.begin(), child_args.end());
      a.push_back("--data-parallel-worker");
      return a;
    };
    std::vector<ProgramOutput> outputs(world);
    std::vector<std::thread> threads;
    for (int rank = 0; rank < world; ++rank) {
      threads.emplace_back([&, rank] { outputs[rank] = run_program(argv(rank)); });
    }
    for (std::thread& t : threads) t.join();
    for (int rank = 0; rank < world; ++rank) {
      if (!outputs[rank].ok()) {
        throw std::runtime_error(
            absl::StrFormat("bench: data-parallel worker %d of %d failed (%s): %s", rank, world,
                            outputs[rank].how_it_ended(), outputs[rank].err));
      }
    }
    DistributedBenchRow row;
    row.world_size = world;
    std::istringstream line(outputs[0].out);
    int64_t batch = 0;
    if (!(line >> row.ms_per_step >> row.communication_share >> batch)) {
      throw std::runtime_error("bench: the data-parallel worker printed '" + outputs[0].out + "'");
    }
    row.images_per_second = 1000.0 * static_cast<double>(batch) / row.ms_per_step;
    out << absl::StrFormat("%-10d %9.1f %9.1f %13.1f%%\n", world, row.ms_per_step,
                           row.images_per_second, 100 * row.communication_share)
        << std::flush;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace neuroreg
