#include "experiment/preflight.h"

#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <new>
#include <set>

#include "data/task_data.h"
#include "experiment/assemble.h"
#include "experiment/cell_run.h"
#include "robustness/eval_config.h"

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

std::string options_text(const sdk::Options& options) {
  std::string text;
  for (const auto& [key, value] : options.values()) {
    text += key + "=" + sdk::to_toml_text(value) + "\n";
  }
  return text;
}

// The folder that would be created, or why it cannot be: the nearest existing
// ancestor must be a folder this process may write into.
std::string folder_problem(const fs::path& folder) {
  std::error_code ec;
  fs::path existing = fs::absolute(folder, ec);
  while (!existing.empty() && !fs::exists(existing, ec)) {
    if (existing == existing.parent_path()) break;
    existing = existing.parent_path();
  }
  if (!fs::is_directory(existing, ec)) {
    return "cannot create " + folder.string() + ": " + existing.string() + " is not a folder";
  }
  if (access(existing.c_str(), W_OK | X_OK) != 0) {
    return "cannot create or write " + folder.string() + ": " + existing.string() +
           " is not writable by this user";
  }
  return "";
}

// Runs `build`; an exception becomes an error naming where it came from.
template <typename F>
absl::Status attempt(const std::string& where, F&& build) {
  try {
    build();
    return absl::OkStatus();
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(where + ": " + e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(where + ": out of memory while building it");
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(where + ": " + e.what());
  }
}

void check_finite(const torch::Tensor& t, const std::string& what) {
  if (!t.defined() || !torch::isfinite(t).all().item<bool>()) {
    throw std::runtime_error(what + " is not finite on two test images");
  }
}

// What preflight has built so far: each distinct component once.
struct Built {
  std::map<std::string, std::shared_ptr<TaskData>> datasets;
  std::map<std::string, std::shared_ptr<sdk::Backbone>> backbones;
  std::set<std::string> regularizers, evals;
  std::vector<std::string>* lines;  // one per component built, when wanted
  void note(const std::string& line) const {
    if (lines) lines->push_back(line);
  }
};

std::string describe(const TaskData& data, const std::string& name) {
  return "dataset " + name + ": " + std::to_string(data.train.size()) + " train, " +
         std::to_string(data.test.size()) + " test images of " +
         std::to_string(data.info.channels) + "×" + std::to_string(data.info.height) + "×" +
         std::to_string(data.info.width) + ", " + std::to_string(data.info.num_classes) +
         " classes";
}

absl::Status check_dataset(const std::string& file, const RunConfig& config,
                           const std::string& key, const Registry& registry, Built& built) {
  if (built.datasets.count(key)) return absl::OkStatus();
  absl::Status status = attempt(file + ": [dataset] '" + config.dataset.name + "'", [&] {
    built.datasets[key] = std::make_shared<TaskData>(assemble_data(config, registry));
  });
  if (status.ok()) built.note(describe(*built.datasets[key], config.dataset.name));
  return status;
}

absl::Status check_backbone(const std::string& file, const RunConfig& config,
                            const std::string& key, const TaskData& data,
                            const Registry& registry, Built& built) {
  if (built.backbones.count(key)) return absl::OkStatus();
  const torch::Tensor images = data.test.images.slice(0, 0, 2);
  absl::Status status = attempt(file + ": [backbone] '" + config.backbone.name + "'", [&] {
    auto model = assemble_backbone(config, data.info, registry);
    model->eval();
    const torch::Tensor logits = model->forward(images);
    if (logits.dim() != 2 || logits.size(0) != images.size(0) ||
        logits.size(1) != data.info.num_classes) {
      throw std::runtime_error("logits of two images have shape " + c10::str(logits.sizes()) +
                               ", expected [2, " + std::to_string(data.info.num_classes) + "]");
    }
    check_finite(logits, "its output");
    built.backbones[key] = model;
  });
  if (status.ok()) {
    built.note("backbone " + config.backbone.name + ": " +
               std::to_string(built.backbones[key]->taps().size()) + " taps");
  }
  return status;
}

absl::Status check_regularizer(const std::string& file, const RunConfig& config,
                               const std::string& key, sdk::Backbone& model,
                               const TaskData& data, const Registry& registry, Built& built) {
  const ComponentConfig& reg = config.regularizers.front();
  const std::string label = reg.options.get_string("label");
  if (built.regularizers.count(key)) return absl::OkStatus();
  const torch::Tensor images = data.test.images.slice(0, 0, 2);
  const torch::Tensor labels = data.test.labels.slice(0, 0, 2);
  absl::Status status = attempt(file + ": [[regularizer]] '" + label + "' (" + reg.name + ")", [&] {
    auto regularizer = assemble_regularizer(config, reg, model, data.info, registry);
    torch::AutoGradMode grad(true);  // regularizers may differentiate internally
    const std::vector<int> taps = regularizer->task_taps();
    const sdk::TappedForward pass = model.forward_taps(images, taps, false);
    const torch::Tensor loss = regularizer->loss({model, images, labels, pass.features, 0, {}});
    if (!loss.defined()) return;  // no loss: plain training (`none`)
    if (loss.numel() != 1) {
      throw std::runtime_error("its loss on two images has " + std::to_string(loss.numel()) +
                               " values, expected one");
    }
    check_finite(loss, "its loss");
  });
  if (status.ok()) {
    built.regularizers.insert(key);
    built.note("regularizer " + label + " (" + reg.name + ")");
  }
  return status;
}

absl::Status check_eval_config(const RunConfig& config, const Registry& registry, Built& built) {
  const std::string eval_path = config.eval.get_string("config");
  if (eval_path.empty() || built.evals.count(eval_path)) return absl::OkStatus();
  auto eval = load_eval_config(eval_path, registry);
  if (!eval.ok()) return eval.status();
  for (const AttackVariantConfig& attack : eval->attacks) {
    absl::Status status = attempt(eval_path + ": [[attack]] '" + attack.label + "'",
                                  [&] { registry.make_attack(attack.name, attack.options); });
    if (!status.ok()) return status;
  }
  built.evals.insert(eval_path);
  built.note("eval config " + eval_path + ": " + std::to_string(eval->attacks.size()) +
             " attacks");
  return absl::OkStatus();
}

// Builds what one cell needs that was not built for an earlier cell.
absl::Status check_cell(const std::string& file, const RunConfig& config,
                        const Registry& registry, Built& built) {
  const std::string data_key = config.dataset.name + "\n" + options_text(config.dataset.options);
  if (absl::Status s = check_dataset(file, config, data_key, registry, built); !s.ok()) return s;
  const TaskData& data = *built.datasets[data_key];
  const std::string backbone_key =
      data_key + "\n" + config.backbone.name + "\n" + options_text(config.backbone.options);
  if (absl::Status s = check_backbone(file, config, backbone_key, data, registry, built);
      !s.ok()) {
    return s;
  }
  const ComponentConfig& reg = config.regularizers.front();
  const std::string reg_key = backbone_key + "\n" + reg.name + "\n" + options_text(reg.options);
  if (absl::Status s = check_regularizer(file, config, reg_key, *built.backbones[backbone_key],
                                         data, registry, built);
      !s.ok()) {
    return s;
  }
  return check_eval_config(config, registry, built);
}

}  // namespace

std::vector<const GridCell*> cells_to_run(const Grid& grid, const Registry& registry) {
  std::vector<const GridCell*> cells;
  for (const GridCell& cell : grid.cells) {
    if (cell_state(grid, cell, registry) != CellState::kDone) cells.push_back(&cell);
  }
  return cells;
}

absl::Status preflight(const Grid& grid, const std::vector<const GridCell*>& cells,
                       const Registry& registry, std::vector<std::string>* built) {
  if (cells.empty()) return absl::OkStatus();
  if (std::string problem = folder_problem(grid.run_dir); !problem.empty()) {
    return absl::FailedPreconditionError(grid.path + ": [run] output_dir: " + problem);
  }
  // Building on the CPU with one image pair is enough to find what would fail;
  // the real device is picked when the cell runs.
  torch::NoGradGuard no_grad_for_backbones;
  Built so_far;
  so_far.lines = built;
  for (const GridCell* cell : cells) {
    if (absl::Status s = check_cell(grid.path, cell->config, registry, so_far); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace neuroreg
