// The component registry: a plain name → factory map per component kind.
//
// Plugins fill it through the sdk::Registrar interface while the loader runs
// their registration callback; the host then creates components by name.
// Duplicate names are refused with both files named.
#pragma once

#include <neuroreg/sdk/registrar.h>

#include <map>
#include <string>
#include <vector>

namespace neuroreg {

/// One registered component and the file that registered it.
struct RegisteredComponent {
  sdk::ComponentKind kind;
  sdk::ComponentSpec spec;
  std::string source;  ///< the plugin file, or "<builtin>"
  sdk::BackboneFactory backbone;
  sdk::DatasetFactory dataset;
  sdk::RegularizerFactory regularizer;
  sdk::AttackFactory attack;
};

class Registry : public sdk::Registrar {
 public:
  void add_backbone(sdk::ComponentSpec spec, sdk::BackboneFactory factory) override;
  void add_dataset(sdk::ComponentSpec spec, sdk::DatasetFactory factory) override;
  void add_regularizer(sdk::ComponentSpec spec, sdk::RegularizerFactory factory) override;
  void add_attack(sdk::ComponentSpec spec, sdk::AttackFactory factory) override;

  /// The file whose registration callback is running (recorded as source).
  void set_current_source(std::string source) { current_source_ = std::move(source); }

  /// Moves every component of `staged` into this registry, or none of them:
  /// throws std::invalid_argument naming both files when a name is taken. The
  /// loader registers each plugin into its own registry first, so a plugin
  /// whose registration throws half-way leaves nothing behind.
  void merge(Registry&& staged);

  /// The component, or nullptr.
  const RegisteredComponent* find(sdk::ComponentKind kind, const std::string& name) const;
  /// Like find, but throws std::invalid_argument listing the registered names.
  const RegisteredComponent& get(sdk::ComponentKind kind, const std::string& name) const;
  /// Registered components of a kind, sorted by name.
  std::vector<const RegisteredComponent*> list(sdk::ComponentKind kind) const;
  /// Names of a kind joined with ", " (for error messages).
  std::string names(sdk::ComponentKind kind) const;

  /// Plugin folders a loader has searched for this registry, in order.
  void add_searched_folder(std::string folder) { searched_folders_.push_back(std::move(folder)); }
  /// "unknown <kind> 'name'; registered: ...; plugin folders searched: ...
  /// (--plugin-path DIR or NEUROREG_PLUGIN_PATH adds one)", for error messages.
  std::string unknown_message(sdk::ComponentKind kind, const std::string& name) const;

  /// The component's declared defaults, then `overrides` on top. Throws
  /// std::invalid_argument for an override the component does not declare or
  /// whose value its declaration does not allow ("name: option 'k' must ...").
  sdk::Options defaults(sdk::ComponentKind kind, const std::string& name,
                        const std::map<std::string, sdk::OptionValue>& overrides = {}) const;

  std::shared_ptr<sdk::Backbone> make_backbone(const std::string& name, const sdk::Options& options,
                                               const sdk::BackboneContext& context) const;
  std::shared_ptr<sdk::Dataset> make_dataset(const std::string& name, const sdk::Options& options,
                                             const sdk::DatasetContext& context) const;
  std::shared_ptr<sdk::Regularizer> make_regularizer(const std::string& name,
                                                     const sdk::Options& options,
                                                     const sdk::RegularizerContext& context) const;
  /// A regularizer's context, with make_backbone served by this registry.
  sdk::RegularizerContext regularizer_context(sdk::Backbone& model, const sdk::DatasetInfo& input,
                                              uint64_t seed) const;

  std::shared_ptr<sdk::Attack> make_attack(const std::string& name,
                                           const sdk::Options& options) const;

 private:
  void add(RegisteredComponent component);
  std::map<std::pair<sdk::ComponentKind, std::string>, RegisteredComponent> components_;
  std::string current_source_ = "<builtin>";
  std::vector<std::string> searched_folders_;
};

}  // namespace neuroreg
