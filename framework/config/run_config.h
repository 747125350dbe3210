// A run configuration: what `neuroreg train|compare` reads from TOML.
//
//   [run]          name, output_dir, seed, device, threads, plugin_paths
//   [dataset]      name + subset sizes + the dataset plugin's keys
//   [backbone]     name + the backbone plugin's keys
//   [train]        optimizer and schedule
//   [eval]         noise sweep
//   [[regularizer]] one table per compared regularizer: name, label, alpha
//                  + the regularizer plugin's keys
//
// Host keys are declared here; plugin keys by the plugins. Defaults are filled
// in, and effective_toml() writes the whole resolved config back out.
#pragma once

#include <absl/status/statusor.h>
#include <neuroreg/sdk/options.h>
#include <neuroreg/sdk/registrar.h>
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "config/toml_schema.h"
#include "plugin_host/plugin_loader.h"

namespace neuroreg {

/// A component picked by name, with its resolved options (host keys included).
struct ComponentConfig {
  std::string name;
  sdk::Options options;
};

struct RunConfig {
  std::string path;  ///< the file it was read from
  sdk::Options run;
  sdk::Options train;
  sdk::Options eval;
  ComponentConfig dataset;
  ComponentConfig backbone;
  std::vector<ComponentConfig> regularizers;

  /// The resolved config (defaults filled in) as TOML text.
  std::string effective_toml() const;
};

/// Host-declared keys of each section.
/// Upper bounds of host keys: far above any real use, far below what would
/// overflow a count or hang (epochs, images per batch).
inline constexpr int64_t kMaxEpochs = 1000000;
inline constexpr int64_t kMaxBatch = 1 << 20;
/// The most intra-op threads a config may ask for: this machine's cores.
int64_t max_threads();

std::vector<sdk::OptionSpec> run_section_options();
std::vector<sdk::OptionSpec> train_section_options();
std::vector<sdk::OptionSpec> eval_section_options();
/// Host keys that sit beside a plugin's keys in [dataset], [backbone], [[regularizer]].
std::vector<sdk::OptionSpec> host_component_options(sdk::ComponentKind kind);

/// Reads and validates a run config from TOML text (a run record's effective
/// config); `origin` names it in error messages. Paths are not checked on
/// disk (PathCheck::kSkip).
absl::StatusOr<RunConfig> load_run_config_text(const std::string& text, const std::string& origin,
                                               PluginLoader& loader, const Registry& registry,
                                               std::vector<std::string>* warnings = nullptr);

/// The shared part of both: a parsed table whose errors name `path`.
absl::StatusOr<RunConfig> run_config_from_table(const toml::table& root, const std::string& path,
                                                PluginLoader& loader, const Registry& registry,
                                                std::vector<std::string>* warnings,
                                                PathCheck paths = PathCheck::kCheck);

/// Resolves a plugin-backed table: its `name` picks the plugin of `kind`,
/// whose declared keys join the host's (host_component_options).
absl::StatusOr<ComponentConfig> resolve_component(const toml::table& table, sdk::ComponentKind kind,
                                                  const Registry& registry, const std::string& file,
                                                  const std::string& section,
                                                  PathCheck paths = PathCheck::kCheck);

/// `a` followed by `b`.
std::vector<sdk::OptionSpec> concat(std::vector<sdk::OptionSpec> a,
                                    const std::vector<sdk::OptionSpec>& b);

/// Reads and validates a run config. Plugin folders named in [run]
/// plugin_paths (relative to the config file) are loaded into `loader` first;
/// their load errors are returned as warnings in `warnings`.
absl::StatusOr<RunConfig> load_run_config(const std::string& path, PluginLoader& loader,
                                          const Registry& registry,
                                          std::vector<std::string>* warnings = nullptr);

}  // namespace neuroreg
