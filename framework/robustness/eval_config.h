// An evaluation config: what `neuroreg eval` reads from TOML.
//
//   [eval]      samples, seed, batch_size, test_images, noise_sigmas,
//               corruptions, severities
//   [[attack]]  one table per attack: name, label, restarts, search_steps,
//               epsilon_start + the attack plugin's keys; an optional
//               [attack.grid] sub-table maps plugin keys to lists of values,
//               and every combination becomes its own variant.
//
//   [[attack]]
//   name = "pgd_linf"
//   restarts = 5
//   [attack.grid]
//   steps = [10, 50]
//   rel_stepsize = [0.01, 0.1]       # → 4 variants
#pragma once

#include <absl/status/statusor.h>
#include <neuroreg/sdk/options.h>

#include <map>
#include <string>
#include <vector>

#include "plugin_host/registry.h"

namespace neuroreg {

/// One attack with one combination of its hyper-parameters.
struct AttackVariantConfig {
  std::string name;      ///< the attack plugin component
  std::string label;     ///< unique within the config
  sdk::Options options;  ///< host and plugin keys, resolved
};

struct EvalConfig {
  std::string path;
  sdk::Options eval;
  std::vector<AttackVariantConfig> attacks;

  /// The resolved config, grids expanded, as TOML text.
  std::string effective_toml() const;
};

/// A variant of attack `name` with every default, host keys included, then
/// `overrides` (host or plugin keys). Throws std::invalid_argument for an
/// unknown attack or key.
AttackVariantConfig default_attack_variant(
    const Registry& registry, const std::string& name,
    const std::map<std::string, sdk::OptionValue>& overrides = {});

/// Host keys of the [eval] section.
std::vector<sdk::OptionSpec> eval_config_options();

/// Reads and validates an evaluation config against the registered attacks.
absl::StatusOr<EvalConfig> load_eval_config(const std::string& path, const Registry& registry);

}  // namespace neuroreg
