// Building one training run from its config: where it computes (device and
// CPU threads, resolved once), its data, and dataset → backbone →
// regularizer → trainer. A grid cell, the preflight check, the benchmarks
// and a trained model read back from disk all build through here, so they
// build the same thing in the same order (the same random draws).
#pragma once

#include <torch/types.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "config/run_config.h"
#include "data/task_data.h"
#include "plugin_host/registry.h"
#include "train/trainer.h"

namespace neuroreg {

class DataParallel;

/// Command-line settings that change where a run computes, never what.
struct RunOverrides {
  std::string device;          ///< empty: the config's [run] device
  std::optional<int> threads;  ///< unset: the config's [run] threads; 0 = every core
};

/// Where a run computes.
struct Placement {
  torch::Device device = torch::kCPU;
  int threads = 0;  ///< LibTorch's intra-op threads in effect
};

/// The config's [run] device and threads under `overrides`, with LibTorch's
/// threads set. Data-parallel on GPUs, process LOCAL_RANK takes GPU
/// LOCAL_RANK (modulo the GPUs it sees), as torchrun's convention has it.
Placement place_run(const RunConfig& config, const RunOverrides& overrides,
                    const DataParallel* parallel = nullptr);

/// The splits `config` reads: its [dataset] under [run] seed, with the test
/// subset drawn with `test_subset_seed` (by default [eval] seed).
TaskData assemble_data(const RunConfig& config, const Registry& registry,
                       std::optional<uint64_t> test_subset_seed = std::nullopt);

/// The config's [backbone] for `data`, on the CPU, as its plugin initialises
/// it (from LibTorch's global generator as it stands).
std::shared_ptr<sdk::Backbone> assemble_backbone(const RunConfig& config,
                                                 const sdk::DatasetInfo& data,
                                                 const Registry& registry);

/// `regularizer` (one of the config's [[regularizer]]) built for `model`.
std::shared_ptr<sdk::Regularizer> assemble_regularizer(const RunConfig& config,
                                                       const ComponentConfig& regularizer,
                                                       sdk::Backbone& model,
                                                       const sdk::DatasetInfo& data,
                                                       const Registry& registry);

/// A model with its regularizer and the trainer that trains them.
struct Assembly {
  std::shared_ptr<sdk::Backbone> model;
  std::shared_ptr<sdk::Regularizer> regularizer;
  std::unique_ptr<Trainer> trainer;
};

/// Backbone → regularizer → trainer for one of the config's [[regularizer]],
/// on `device`. LibTorch's generator is seeded with [run] seed first, so
/// every run of one seed starts from the same weights. The trainer writes its
/// log to `log`.
Assembly assemble(const RunConfig& config, const ComponentConfig& regularizer,
                  const sdk::DatasetInfo& data, const Registry& registry, torch::Device device,
                  std::ostream& log);

}  // namespace neuroreg
