#include "robustness/eval_config.h"

#include <sstream>

#include "config/run_config.h"
#include "config/toml_schema.h"

namespace neuroreg {
using sdk::ComponentKind;

std::vector<sdk::OptionSpec> eval_config_options() {
  return sdk::OptionList()
      .add_int("samples", 1000, "test images attacked; the same ones for every model")
      .at_least(1)
      .add_int("seed", 0, "picks the attacked samples; seeds noise, corruptions and attacks")
      .at_least(0)
      .add_int("batch_size", 250, "samples per attack call (restarts multiply it)")
      .between(1, kMaxBatch)
      .add_int("test_images", 0, "test images for noise and corruptions; 0 = the whole split")
      .at_least(0)
      .add_float_list("noise_sigmas", {}, "std of additive Gaussian noise on [0,1] images")
      .at_least(0)
      .add_string_list("corruptions", {}, "CIFAR-10-C style corruptions by name, or [\"all\"]")
      .add_int_list("severities", {1, 2, 3, 4, 5}, "corruption severities")
      .between(1, 5)
      .specs();
}

AttackVariantConfig default_attack_variant(
    const Registry& registry, const std::string& name,
    const std::map<std::string, sdk::OptionValue>& overrides) {
  std::map<std::string, sdk::OptionValue> host, plugin;
  const std::vector<sdk::OptionSpec> host_specs = host_component_options(ComponentKind::kAttack);
  for (const auto& [key, value] : overrides) {
    bool is_host = false;
    for (const sdk::OptionSpec& spec : host_specs) is_host |= spec.name == key;
    (is_host ? host : plugin)[key] = value;
  }
  sdk::Options options = registry.defaults(ComponentKind::kAttack, name, plugin);
  for (const sdk::OptionSpec& spec : host_specs) {
    if (spec.default_value) options.set(spec.name, *spec.default_value);
  }
  for (const auto& [key, value] : host) options.set(key, value);
  options.set("name", name);
  if (options.get_string("label").empty()) options.set("label", name);
  return {name, options.get_string("label"), options};
}

namespace {

// "[steps=10, rel_stepsize=0.01]" for a variant's grid values.
std::string grid_suffix(const sdk::Options& options, const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& key : keys) {
    out += (out.empty() ? "[" : ", ") + key + "=" + sdk::to_toml_text(options.values().at(key));
  }
  return out.empty() ? out : out + "]";
}

// Every combination of the grid's values, as tables on top of `base`.
absl::StatusOr<std::vector<toml::table>> expand_grid(const toml::table& attack,
                                                     const std::string& path,
                                                     const std::string& section,
                                                     std::vector<std::string>* keys) {
  toml::table base = attack;
  base.erase("grid");
  std::vector<toml::table> tables{base};
  const toml::node* grid = attack.get("grid");
  if (!grid) return tables;
  if (!grid->is_table()) {
    return absl::InvalidArgumentError(position(path, grid->source()) + section +
                                      " 'grid' must be a table of lists ([attack.grid])");
  }
  for (const auto& [key, values] : *grid->as_table()) {
    const toml::array* list = values.as_array();
    if (!list || list->empty()) {
      return absl::InvalidArgumentError(position(path, values.source()) + section + " grid key '" +
                                        std::string(key.str()) +
                                        "' must be a non-empty list of values");
    }
    if (base.contains(key.str())) {
      return absl::InvalidArgumentError(position(path, values.source()) + section + " key '" +
                                        std::string(key.str()) +
                                        "' is set both directly and in the grid");
    }
    keys->push_back(std::string(key.str()));
    std::vector<toml::table> grown;
    for (const toml::table& table : tables) {
      for (const toml::node& value : *list) {
        toml::table next = table;
        next.insert(key.str(), value);
        grown.push_back(std::move(next));
      }
    }
    tables = std::move(grown);
  }
  return tables;
}

}  // namespace

absl::StatusOr<EvalConfig> load_eval_config(const std::string& path, const Registry& registry) {
  auto parsed = parse_toml_file(path);
  if (!parsed.ok()) return parsed.status();
  const toml::table& root = *parsed;
  for (const auto& [key, node] : root) {
    if (key.str() != "eval" && key.str() != "attack") {
      return absl::InvalidArgumentError(position(path, key.source()) + "unknown section '" +
                                        std::string(key.str()) + "'; expected: [eval], [[attack]]");
    }
  }
  EvalConfig config;
  config.path = path;
  static const toml::table empty;
  const toml::node* eval = root.get("eval");
  if (eval && !eval->is_table()) {
    return absl::InvalidArgumentError(position(path, eval->source()) +
                                      "'eval' must be a table ([eval])");
  }
  auto eval_options =
      resolve_options(eval ? *eval->as_table() : empty, eval_config_options(), path, "[eval]");
  if (!eval_options.ok()) return eval_options.status();
  config.eval = *std::move(eval_options);

  const toml::node* attacks = root.get("attack");
  if (!attacks) return config;
  const toml::array* list = attacks->as_array();
  if (!list || !list->is_array_of_tables()) {
    return absl::InvalidArgumentError(position(path, attacks->source()) +
                                      "'attack' must be [[attack]] tables");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string section = "[[attack]] #" + std::to_string(i + 1);
    std::vector<std::string> grid_keys;
    auto tables = expand_grid(*list->get(i)->as_table(), path, section, &grid_keys);
    if (!tables.ok()) return tables.status();
    for (const toml::table& table : *tables) {
      auto component = resolve_component(table, ComponentKind::kAttack, registry, path, section);
      if (!component.ok()) return component.status();
      sdk::Options& options = component->options;
      std::string label = options.get_string("label");
      if (label.empty()) label = component->name;
      label += grid_suffix(options, grid_keys);
      for (const AttackVariantConfig& seen : config.attacks) {
        if (seen.label == label) {
          return absl::InvalidArgumentError(position(path, list->get(i)->source()) + section +
                                            " label '" + label +
                                            "' is used twice; give each attack a distinct label");
        }
      }
      options.set("label", label);
      config.attacks.push_back({component->name, label, options});
    }
  }
  return config;
}

std::string EvalConfig::effective_toml() const {
  std::ostringstream out;
  auto write = [&out](const sdk::Options& options) {
    if (options.has("name"))
      out << "name = " << sdk::to_toml_text(options.values().at("name")) << "\n";
    for (const auto& [key, value] : options.values()) {
      if (key != "name") out << key << " = " << sdk::to_toml_text(value) << "\n";
    }
    out << "\n";
  };
  out << "[eval]\n";
  write(eval);
  for (const AttackVariantConfig& attack : attacks) {
    out << "[[attack]]\n";
    write(attack.options);
  }
  return out.str();
}

}  // namespace neuroreg
