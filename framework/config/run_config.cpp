#include "config/run_config.h"

#include <filesystem>
#include <sstream>
#include <thread>

#include "config/toml_schema.h"

namespace neuroreg {
namespace fs = std::filesystem;
using sdk::ComponentKind;
using sdk::OptionList;
using sdk::OptionType;

int64_t max_threads() {
  // Threads beyond the machine's cores only slow a step down; a typo such as
  // 100000 would spend minutes creating threads.
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 256 : static_cast<int64_t>(cores);
}

std::vector<sdk::OptionSpec> run_section_options() {
  return OptionList()
      .add_string("name", "", "run name; default: the config file's name")
      .add_string("output_dir", "runs", "where runs are written, relative to the working dir")
      .add_int("seed", 0, "seed for initialisation, data order and noise")
      .at_least(0)
      .add_string("device", "auto", "\"auto\" (CUDA when available), \"cpu\" or \"cuda\"")
      .one_of({"auto", "cpu", "cuda"})
      .add_int("threads", 0, "intra-op CPU threads; 0 = all available cores")
      .between(0, max_threads())
      .add_string_list("plugin_paths", {}, "extra plugin folders, relative to this file")
      .add_bool("distributed", false,
                "data-parallel training over the processes a launcher started (torchrun's "
                "RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT, or srun's SLURM_PROCID/SLURM_NTASKS)")
      .add_int("distributed_timeout", 300,
               "seconds a process waits for the others (rendezvous, each exchange) before "
               "failing the run")
      .between(10, 86400)
      .specs();
}

std::vector<sdk::OptionSpec> train_section_options() {
  return OptionList()
      .add_int("epochs", 40, "training epochs")
      .between(1, kMaxEpochs)
      .add_int("batch_size", 64, "images per task batch")
      .between(1, kMaxBatch)
      .add_float("lr", 0.1, "initial SGD learning rate")
      .above(0)
      .add_float("momentum", 0.9, "SGD momentum")
      .between(0, 1)
      .add_float("weight_decay", 5e-4, "L2 weight decay on the backbone's parameters")
      .at_least(0)
      .add_float("lr_decay", 0.3, "learning rate factor applied every lr_decay_every epochs")
      .above(0)
      .at_most(1)
      .add_int("lr_decay_every", 4, "epochs between learning rate decays")
      .between(1, kMaxEpochs)
      .add_int_list("lr_resets", {20}, "epochs at which the learning rate returns to lr")
      .between(1, kMaxEpochs)
      .add_int("log_every", 50, "steps between lines of train.log (0: epoch lines only)")
      .at_least(0)
      .specs();
}

std::vector<sdk::OptionSpec> eval_section_options() {
  return OptionList()
      .add_float_list("noise_sigmas", {0.05, 0.1, 0.2, 0.3},
                      "std of additive Gaussian noise on [0,1] images (clean is always run)")
      .at_least(0)
      .add_int("batch_size", 256, "images per evaluation batch")
      .between(1, kMaxBatch)
      .add_int("seed", 1234,
               "seed of the test subset ([dataset] test_size) and of the noise: the same for "
               "every compared model, so all are scored on the same images")
      .at_least(0)
      .add_string("config", "",
                  "robustness evaluation run after training (an eval config: attacks, "
                  "corruptions), relative to the working directory; \"\" = noise only")
      .existing_file()
      .specs();
}

std::vector<sdk::OptionSpec> host_component_options(ComponentKind kind) {
  OptionList list;
  list.add_required("name", OptionType::kString, "which " + sdk::to_string(kind) + " plugin");
  if (kind == ComponentKind::kDataset) {
    list.add_int("train_size", 0, "training images to use, drawn at random; 0 = all")
        .at_least(0)
        .add_int("validation_size", 0, "training images held out for validation")
        .at_least(0)
        .add_int("test_size", 0,
                 "test images to evaluate on, drawn with [eval] seed (the same for every "
                 "run); 0 = all")
        .at_least(0)
        .add_int("random_crop_padding", 0,
                 "training augmentation: zero-pad by this many pixels, crop back at random")
        .between(0, 64)
        .add_bool("horizontal_flip", false, "training augmentation: mirror half of the images");
  }
  if (kind == ComponentKind::kRegularizer) {
    list.add_string("label", "", "name shown in tables and run folders; default: name")
        .add_float("alpha", 20.0, "strength α in L = L_task + α·L_sim (Eq. 7)")
        .at_least(0);
  }
  if (kind == ComponentKind::kAttack) {
    list.add_string("label", "", "name shown in tables; default: name (+ grid values)")
        .add_int("restarts", 1,
                 "runs per sample of a randomized attack; the smallest result counts")
        .between(1, 1000)
        .add_int("search_steps", 20,
                 "fixed-ε attacks: steps of the per-sample search for the smallest ε")
        .between(1, 1000)
        .add_float("epsilon_start", 0,
                   "fixed-ε attacks: first ε of the search; 0 = by norm (L∞ 0.01, L2 0.5, "
                   "L1 5, L0 5)")
        .at_least(0);
  }
  return list.specs();
}

std::vector<sdk::OptionSpec> concat(std::vector<sdk::OptionSpec> a,
                                    const std::vector<sdk::OptionSpec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Resolves a plugin-backed table: its `name` picks the plugin, whose declared
// keys join the host's.
absl::StatusOr<ComponentConfig> resolve_component(const toml::table& table, ComponentKind kind,
                                                  const Registry& registry, const std::string& file,
                                                  const std::string& section, PathCheck paths) {
  const toml::node* name_node = table.get("name");
  if (!name_node) {
    return absl::InvalidArgumentError(position(file, table.source()) + section +
                                      " missing required key 'name' (a string: which " +
                                      sdk::to_string(kind) +
                                      " plugin; registered: " + registry.names(kind) + ")");
  }
  auto name = name_node->value_exact<std::string>();
  if (!name) {
    return absl::InvalidArgumentError(position(file, name_node->source()) + section +
                                      " key 'name' must be a string");
  }
  const RegisteredComponent* component = registry.find(kind, *name);
  if (!component) {
    return absl::InvalidArgumentError(position(file, name_node->source()) + section + " " +
                                      registry.unknown_message(kind, *name));
  }
  const std::vector<sdk::OptionSpec> host = host_component_options(kind);
  for (const sdk::OptionSpec& own : component->spec.options) {
    for (const sdk::OptionSpec& reserved : host) {
      if (own.name == reserved.name) {
        return absl::InvalidArgumentError(component->source + ": " + sdk::to_string(kind) + " '" +
                                          *name + "' declares option '" + own.name +
                                          "', which the host reserves in " + section);
      }
    }
  }
  auto options =
      resolve_options(table, concat(host, component->spec.options), file, section, paths);
  if (!options.ok()) return options.status();
  return ComponentConfig{*name, *std::move(options)};
}

namespace {

const toml::table* table_or_empty(const toml::table& root, const std::string& key,
                                  const std::string& file, absl::Status& status) {
  static const toml::table empty;
  const toml::node* node = root.get(key);
  if (!node) return &empty;
  if (!node->is_table()) {
    status = absl::InvalidArgumentError(position(file, node->source()) + "'" + key +
                                        "' must be a table ([" + key + "])");
    return nullptr;
  }
  return node->as_table();
}

}  // namespace

absl::StatusOr<RunConfig> load_run_config(const std::string& path, PluginLoader& loader,
                                          const Registry& registry,
                                          std::vector<std::string>* warnings) {
  auto parsed = parse_toml_file(path);
  if (!parsed.ok()) return parsed.status();
  return run_config_from_table(*parsed, path, loader, registry, warnings);
}

absl::StatusOr<RunConfig> load_run_config_text(const std::string& text, const std::string& origin,
                                               PluginLoader& loader, const Registry& registry,
                                               std::vector<std::string>* warnings) {
  try {
    return run_config_from_table(toml::parse(text, origin), origin, loader, registry, warnings,
                                 PathCheck::kSkip);
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(position(origin, e.source()) +
                                      "TOML syntax error: " + std::string(e.description()));
  }
}

namespace {

absl::Status check_sections(const toml::table& root, const std::string& path) {
  static const char* kSections[] = {"run", "dataset", "backbone", "train", "eval", "regularizer"};
  for (const auto& [key, node] : root) {
    bool known = false;
    for (const char* s : kSections) known |= key.str() == s;
    if (key.str() == "grid" || key.str() == "compare") {
      return absl::InvalidArgumentError(
          position(path, key.source()) + "[" + std::string(key.str()) +
          "] is read by compare, train, run-cell and config check; this command takes a "
          "config without one");
    }
    if (!known) {
      return absl::InvalidArgumentError(
          position(path, key.source()) + "unknown section '" + std::string(key.str()) +
          "'; expected: [run], [dataset], [backbone], [train], [eval], [[regularizer]]");
    }
  }
  return absl::OkStatus();
}

// A host section ([run], [train], [eval]): its keys, defaults filled in.
absl::StatusOr<sdk::Options> read_section(const toml::table& root, const std::string& key,
                                          const std::vector<sdk::OptionSpec>& specs,
                                          const std::string& path, PathCheck paths) {
  absl::Status status;
  const toml::table* table = table_or_empty(root, key, path, status);
  if (!table) return status;
  return resolve_options(*table, specs, path, "[" + key + "]", paths);
}

// Plugins a config brings along must be loaded before their keys resolve.
void load_config_plugins(const RunConfig& config, const std::string& path, PluginLoader& loader,
                         std::vector<std::string>* warnings) {
  for (const std::string& dir : config.run.get_string_list("plugin_paths")) {
    fs::path full =
        fs::path(dir).is_absolute() ? fs::path(dir) : fs::path(path).parent_path() / dir;
    for (const absl::Status& error : loader.load_directory(full.string())) {
      if (warnings) warnings->push_back(std::string(error.message()));
    }
  }
}

absl::StatusOr<ComponentConfig> read_component(const toml::table& root, const std::string& key,
                                               ComponentKind kind, const Registry& registry,
                                               const std::string& path, PathCheck paths) {
  const toml::node* node = root.get(key);
  if (!node || !node->is_table()) {
    return absl::InvalidArgumentError(path + ": missing section [" + key + "] (registered " +
                                      sdk::to_string(kind) + "s: " + registry.names(kind) + ")");
  }
  return resolve_component(*node->as_table(), kind, registry, path, "[" + key + "]", paths);
}

absl::StatusOr<std::vector<ComponentConfig>> read_regularizers(const toml::table& root,
                                                               const Registry& registry,
                                                               const std::string& path,
                                                               PathCheck paths) {
  const toml::node* regs = root.get("regularizer");
  const toml::array* list = regs ? regs->as_array() : nullptr;
  if (!list || list->empty() || !list->is_array_of_tables()) {
    return absl::InvalidArgumentError(
        (regs ? position(path, regs->source()) : path + ": ") +
        "expected one or more [[regularizer]] tables (registered regularizers: " +
        registry.names(ComponentKind::kRegularizer) + ")");
  }
  std::vector<ComponentConfig> regularizers;
  for (size_t i = 0; i < list->size(); ++i) {
    auto component =
        resolve_component(*list->get(i)->as_table(), ComponentKind::kRegularizer, registry, path,
                          "[[regularizer]] #" + std::to_string(i + 1), paths);
    if (!component.ok()) return component.status();
    if (component->options.get_string("label").empty()) {
      component->options.set("label", component->name);
    }
    for (const ComponentConfig& seen : regularizers) {
      if (seen.options.get_string("label") == component->options.get_string("label")) {
        return absl::InvalidArgumentError(
            position(path, list->get(i)->source()) + "[[regularizer]] #" + std::to_string(i + 1) +
            " label '" + component->options.get_string("label") +
            "' is used twice; give each regularizer a distinct label");
      }
    }
    regularizers.push_back(*std::move(component));
  }
  return regularizers;
}

}  // namespace

absl::StatusOr<RunConfig> run_config_from_table(const toml::table& root, const std::string& path,
                                                PluginLoader& loader, const Registry& registry,
                                                std::vector<std::string>* warnings,
                                                PathCheck paths) {
  if (absl::Status status = check_sections(root, path); !status.ok()) return status;
  RunConfig config;
  config.path = path;
  auto run = read_section(root, "run", run_section_options(), path, paths);
  if (!run.ok()) return run.status();
  config.run = *std::move(run);
  if (config.run.get_string("name").empty()) {
    config.run.set("name", fs::path(path).stem().string());
  }
  load_config_plugins(config, path, loader, warnings);
  auto dataset = read_component(root, "dataset", ComponentKind::kDataset, registry, path, paths);
  if (!dataset.ok()) return dataset.status();
  config.dataset = *std::move(dataset);
  auto backbone =
      read_component(root, "backbone", ComponentKind::kBackbone, registry, path, paths);
  if (!backbone.ok()) return backbone.status();
  config.backbone = *std::move(backbone);
  auto train = read_section(root, "train", train_section_options(), path, paths);
  if (!train.ok()) return train.status();
  config.train = *std::move(train);
  auto eval = read_section(root, "eval", eval_section_options(), path, paths);
  if (!eval.ok()) return eval.status();
  config.eval = *std::move(eval);
  auto regularizers = read_regularizers(root, registry, path, paths);
  if (!regularizers.ok()) return regularizers.status();
  config.regularizers = *std::move(regularizers);
  return config;
}

std::string RunConfig::effective_toml() const {
  std::ostringstream out;
  auto write = [&out](const std::string& header, const sdk::Options& options) {
    out << header << "\n";
    // `name` first, then the rest in key order.
    if (options.has("name"))
      out << "name = " << sdk::to_toml_text(options.values().at("name")) << "\n";
    for (const auto& [key, value] : options.values()) {
      if (key != "name") out << key << " = " << sdk::to_toml_text(value) << "\n";
    }
    out << "\n";
  };
  write("[run]", run);
  write("[dataset]", dataset.options);
  write("[backbone]", backbone.options);
  write("[train]", train);
  write("[eval]", eval);
  for (const ComponentConfig& r : regularizers) write("[[regularizer]]", r.options);
  return out.str();
}

}  // namespace neuroreg
