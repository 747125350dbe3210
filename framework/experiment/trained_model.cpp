#include "experiment/trained_model.h"

#include <neuroreg/sdk/zip_archive.h>
#include <torch/torch.h>

#include <filesystem>
#include <stdexcept>

#include "experiment/assemble.h"
#include "record/record_io.h"

namespace neuroreg {
namespace fs = std::filesystem;

TrainedModel load_trained_model(const std::string& run_or_weights, PluginLoader& loader,
                                const Registry& registry, torch::Device device,
                                std::optional<uint64_t> test_subset_seed) {
  TrainedModel t;
  std::error_code ec;
  if (fs::is_directory(run_or_weights, ec)) {
    t.run_dir = run_or_weights;
    t.weights = (fs::path(run_or_weights) / "model.pt").string();
  } else if (fs::is_regular_file(run_or_weights, ec)) {
    t.run_dir = fs::path(run_or_weights).parent_path().string();
    if (t.run_dir.empty()) t.run_dir = ".";
    t.weights = run_or_weights;
  } else {
    throw std::runtime_error(run_or_weights +
                             ": no such run folder or weights file (expected a folder "
                             "written by 'neuroreg compare', or its model.pt / checkpoint.pt)");
  }
  const std::string record_path = (fs::path(t.run_dir) / kRecordFile).string();
  if (!fs::exists(record_path)) {
    throw std::runtime_error(record_path + ": missing; " + run_or_weights +
                             " is not inside a run folder, so its config is unknown");
  }
  t.record = read_run_record(record_path);
  if (!fs::exists(t.weights)) {
    throw std::runtime_error(t.weights + ": missing (has the run finished? 'neuroreg show " +
                             t.run_dir + "' tells)");
  }
  auto config = load_run_config_text(t.record.effective_config(),
                                     record_path + " (effective config)", loader, registry);
  if (!config.ok()) throw std::runtime_error(std::string(config.status().message()));
  t.config = *std::move(config);

  t.data = assemble_data(t.config, registry, test_subset_seed);
  t.model = assemble_backbone(t.config, t.data.info, registry);
  // LibTorch does not check its archives' CRCs: a flipped byte would load.
  if (const std::string problem = sdk::zip_archive_problem(t.weights); !problem.empty()) {
    throw std::runtime_error(problem + "; it cannot be used. Train the run again");
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(t.weights, device);
    torch::serialize::InputArchive model_part;
    // A training checkpoint keeps the weights under "model"; model.pt at the top.
    if (archive.try_read("model", model_part)) {
      t.model->load(model_part);
    } else {
      t.model->load(archive);
    }
  } catch (const c10::Error& e) {
    throw std::runtime_error(t.weights + ": cannot load these weights into a " +
                             t.config.backbone.name + " built from " + record_path + ": " +
                             e.what_without_backtrace());
  }
  t.model->to(device);
  t.model->eval();
  return t;
}

}  // namespace neuroreg
