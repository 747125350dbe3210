// A trained model read back from disk, with the test split it was trained
// beside: what `neuroreg eval` and `neuroreg export` start from.
#pragma once

#include <neuroreg/sdk/backbone.h>

#include <memory>
#include <optional>
#include <string>

#include "config/run_config.h"
#include "data/task_data.h"
#include "neuroreg/run_record.pb.h"
#include "plugin_host/plugin_loader.h"

namespace neuroreg {

struct TrainedModel {
  std::string run_dir;  ///< the folder holding record.pb
  std::string weights;  ///< the file the weights came from
  record::RunRecord record;
  RunConfig config;  ///< the run's effective config
  std::shared_ptr<sdk::Backbone> model;
  TaskData data;  ///< the same splits the run used
};

/// Reads a run folder (its record.pb and model.pt) or a weights file inside
/// one: model.pt, or a training checkpoint.pt (its model part). The backbone
/// is rebuilt from the record's effective config, on `device`, in eval mode.
/// The test subset is drawn with `test_subset_seed`, by default the
/// record's [eval] seed (as the run was evaluated). Throws
/// std::runtime_error naming the path and what is missing or wrong.
TrainedModel load_trained_model(const std::string& run_or_weights, PluginLoader& loader,
                                const Registry& registry, torch::Device device,
                                std::optional<uint64_t> test_subset_seed = std::nullopt);

}  // namespace neuroreg
