// The robustness evaluation of one trained run, written beside its record:
// what `neuroreg eval` does per model and what a grid cell with
// [eval] config does after training.
#pragma once

#include <torch/types.h>

#include <ostream>
#include <string>

#include "neuroreg/robustness_record.pb.h"
#include "plugin_host/plugin_loader.h"
#include "robustness/eval_config.h"

namespace neuroreg {

/// RUN_DIR/robustness-<eval config's file stem>, without the extension.
std::string robustness_record_base(const std::string& run_dir, const std::string& eval_config_path);

/// Evaluates the model of `run` (a run folder, or a weights file inside one)
/// with `config`, writes <base>.pb and a table as <base>.txt, and returns the
/// record. Progress goes to `log`; `written`, when given, receives <base>.pb.
record::RobustnessRecord evaluate_run_robustness(const std::string& run, const EvalConfig& config,
                                                 PluginLoader& loader, const Registry& registry,
                                                 torch::Device device, int threads,
                                                 std::ostream& log, std::string* written = nullptr);

}  // namespace neuroreg
