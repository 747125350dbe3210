#include "cli/eval_commands.h"

#include <absl/strings/str_format.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

#include "experiment/run_robustness.h"
#include "experiment/trained_model.h"
#include "export/torchscript_export.h"
#include "plugin_host/plugin_loader.h"
#include "record/record_io.h"
#include "robustness/eval_config.h"
#include "robustness/robustness_eval.h"
#include "robustness/robustness_report.h"
#include "runtime/runtime.h"

namespace neuroreg {
namespace fs = std::filesystem;

std::vector<std::string> expand_runs(const std::vector<std::string>& paths) {
  std::vector<std::string> runs;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec) || fs::exists(fs::path(path) / kRecordFile, ec)) {
      runs.push_back(path);
      continue;
    }
    std::vector<std::string> inside;
    if (fs::is_directory(path, ec)) {
      for (const auto& entry : fs::directory_iterator(path)) {
        if (fs::exists(entry.path() / kRecordFile)) inside.push_back(entry.path().string());
      }
    }
    if (inside.empty()) {
      throw std::runtime_error(path +
                               ": not a run folder, a weights file, or a comparison folder "
                               "with run folders inside");
    }
    std::sort(inside.begin(), inside.end());
    runs.insert(runs.end(), inside.begin(), inside.end());
  }
  return runs;
}

namespace {

struct Setup {
  torch::Device device;
  int threads;
};

// The device (--device, else auto) and the CPU threads (--threads, else all
// cores): eval and export read no run config to take them from.
Setup setup(const Flags& flags) {
  const std::string device = flags.text("--device");
  return {select_device(device.empty() ? "auto" : device),
          configure_threads(flags.number("--threads", 0))};
}

}  // namespace

int eval_command(const Invocation& call, std::ostream& out, std::ostream& err) {
  const std::string config_path = call.flags.text("--config");
  if (config_path.empty() || call.operands.empty()) {
    err << "usage: neuroreg eval RUN|CHECKPOINT... --config EVAL.toml\n";
    return 2;
  }
  const Registry& registry = *call.registry;
  auto config = load_eval_config(config_path, registry);
  if (!config.ok()) return report_error(config.status(), err);
  const std::vector<std::string> runs = expand_runs(call.operands);
  const Setup s = setup(call.flags);
  out << absl::StrFormat("neuroreg: evaluating %d models with %s on %s, %d threads\n", runs.size(),
                         config_path, s.device.str(), s.threads)
      << std::flush;
  std::vector<record::RobustnessRecord> records;
  for (const std::string& run : runs) {
    out << absl::StrFormat("\n== %s ==\n", run) << std::flush;
    std::string written;
    record::RobustnessRecord r = evaluate_run_robustness(run, *config, *call.loader, registry,
                                                         s.device, s.threads, out, &written);
    out << "\n"
        << format_robustness(r)
        << absl::StrFormat("  (%.0f s; record %s)\n", r.wall_seconds(), written);
    records.push_back(std::move(r));
  }
  out << "\n" << format_robustness_comparison(records);
  return 0;
}

int export_command(const Invocation& call, std::ostream& out, std::ostream& err) {
  const std::string torchscript_path = call.flags.text("--torchscript");
  if (call.operands.size() != 1 || torchscript_path.empty()) return usage_error(call, err);
  const std::string& run = call.operands[0];
  const Setup s = setup(call.flags);
  TrainedModel trained = load_trained_model(run, *call.loader, *call.registry, s.device);
  const torch::Tensor example = trained.data.test.images.slice(0, 0, 2).to(s.device);
  export_torchscript(*trained.model, example, torchscript_path,
                     {trained.config.backbone.name, trained.data.info.class_names,
                      "NeuroReg run " + run + " (" + trained.record.label() + ")"});
  out << absl::StrFormat(
      "neuroreg: wrote %s: %s from %s, input N×%d×%d×%d in [0,1] (normalisation inside), "
      "%d logits\n",
      torchscript_path, trained.config.backbone.name, run, trained.data.info.channels,
      trained.data.info.height, trained.data.info.width, trained.data.info.num_classes);
  return 0;
}

}  // namespace neuroreg
