#include "plugin_host/registry.h"

#include <stdexcept>

namespace neuroreg {

using sdk::ComponentKind;

void Registry::add(RegisteredComponent component) {
  if (component.spec.name.empty()) {
    throw std::invalid_argument("a " + sdk::to_string(component.kind) + " has an empty name");
  }
  // A default outside its own declaration is a plugin bug; refuse it here
  // rather than let the host reject every config that omits the key.
  for (const sdk::OptionSpec& option : component.spec.options) {
    if (!option.default_value) continue;
    const std::string problem = sdk::option_problem(option, *option.default_value);
    if (!problem.empty()) {
      throw std::invalid_argument(sdk::to_string(component.kind) + " '" + component.spec.name +
                                  "': the default of option '" + option.name + "' " + problem);
    }
  }
  component.source = current_source_;
  auto key = std::make_pair(component.kind, component.spec.name);
  auto it = components_.find(key);
  if (it != components_.end()) {
    throw std::invalid_argument(sdk::to_string(component.kind) + " '" + component.spec.name +
                                "' is already registered by " + it->second.source);
  }
  components_.emplace(std::move(key), std::move(component));
}

void Registry::merge(Registry&& staged) {
  for (const auto& [key, component] : staged.components_) {
    auto it = components_.find(key);
    if (it != components_.end()) {
      throw std::invalid_argument(sdk::to_string(key.first) + " '" + key.second +
                                  "' is already registered by " + it->second.source);
    }
  }
  components_.merge(staged.components_);
  staged.components_.clear();
}

void Registry::add_backbone(sdk::ComponentSpec spec, sdk::BackboneFactory factory) {
  RegisteredComponent c{ComponentKind::kBackbone, std::move(spec), {}, {}, {}, {}, {}};
  c.backbone = std::move(factory);
  add(std::move(c));
}

void Registry::add_dataset(sdk::ComponentSpec spec, sdk::DatasetFactory factory) {
  RegisteredComponent c{ComponentKind::kDataset, std::move(spec), {}, {}, {}, {}, {}};
  c.dataset = std::move(factory);
  add(std::move(c));
}

void Registry::add_regularizer(sdk::ComponentSpec spec, sdk::RegularizerFactory factory) {
  RegisteredComponent c{ComponentKind::kRegularizer, std::move(spec), {}, {}, {}, {}, {}};
  c.regularizer = std::move(factory);
  add(std::move(c));
}

void Registry::add_attack(sdk::ComponentSpec spec, sdk::AttackFactory factory) {
  RegisteredComponent c{ComponentKind::kAttack, std::move(spec), {}, {}, {}, {}, {}};
  c.attack = std::move(factory);
  add(std::move(c));
}

const RegisteredComponent* Registry::find(ComponentKind kind, const std::string& name) const {
  auto it = components_.find({kind, name});
  return it == components_.end() ? nullptr : &it->second;
}

const RegisteredComponent& Registry::get(ComponentKind kind, const std::string& name) const {
  const RegisteredComponent* found = find(kind, name);
  if (!found) throw std::invalid_argument(unknown_message(kind, name));
  return *found;
}

std::string Registry::unknown_message(ComponentKind kind, const std::string& name) const {
  const std::string known = names(kind);
  std::string folders;
  for (const std::string& f : searched_folders_) folders += (folders.empty() ? "" : ", ") + f;
  return "unknown " + sdk::to_string(kind) + " '" + name +
         "'; registered: " + (known.empty() ? "(none)" : known) +
         "; plugin folders searched: " + (folders.empty() ? "(none)" : folders) +
         " (--plugin-path DIR or NEUROREG_PLUGIN_PATH adds one)";
}

std::vector<const RegisteredComponent*> Registry::list(ComponentKind kind) const {
  std::vector<const RegisteredComponent*> out;
  for (const auto& [key, component] : components_) {
    if (key.first == kind) out.push_back(&component);
  }
  return out;  // std::map keeps them sorted by name within a kind
}

std::string Registry::names(ComponentKind kind) const {
  std::string out;
  for (const RegisteredComponent* c : list(kind)) out += (out.empty() ? "" : ", ") + c->spec.name;
  return out;
}

sdk::Options Registry::defaults(ComponentKind kind, const std::string& name,
                                const std::map<std::string, sdk::OptionValue>& overrides) const {
  const RegisteredComponent& component = get(kind, name);
  sdk::Options options;
  for (const sdk::OptionSpec& spec : component.spec.options) {
    if (spec.default_value) options.set(spec.name, *spec.default_value);
  }
  for (const auto& [key, value] : overrides) {
    bool declared = false;
    for (const sdk::OptionSpec& spec : component.spec.options) declared |= spec.name == key;
    if (!declared) {
      throw std::invalid_argument(sdk::to_string(kind) + " '" + name + "' has no option '" + key +
                                  "'");
    }
    // The same declared constraints the config loader checks.
    for (const sdk::OptionSpec& spec : component.spec.options) {
      if (spec.name != key) continue;
      const std::string problem = sdk::option_problem(spec, value);
      if (!problem.empty()) {
        throw std::invalid_argument(name + ": option '" + key + "' " + problem);
      }
    }
    options.set(key, value);
  }
  return options;
}

std::shared_ptr<sdk::Backbone> Registry::make_backbone(const std::string& name,
                                                       const sdk::Options& options,
                                                       const sdk::BackboneContext& context) const {
  return get(ComponentKind::kBackbone, name).backbone(options, context);
}

std::shared_ptr<sdk::Dataset> Registry::make_dataset(const std::string& name,
                                                     const sdk::Options& options,
                                                     const sdk::DatasetContext& context) const {
  return get(ComponentKind::kDataset, name).dataset(options, context);
}

std::shared_ptr<sdk::Regularizer> Registry::make_regularizer(
    const std::string& name, const sdk::Options& options,
    const sdk::RegularizerContext& context) const {
  return get(ComponentKind::kRegularizer, name).regularizer(options, context);
}

sdk::RegularizerContext Registry::regularizer_context(sdk::Backbone& model,
                                                      const sdk::DatasetInfo& input,
                                                      uint64_t seed) const {
  sdk::RegularizerContext context{model, input, seed};
  context.make_backbone = [this, input](const std::string& name,
                                        const std::map<std::string, sdk::OptionValue>& options) {
    return make_backbone(name, defaults(ComponentKind::kBackbone, name, options), {input});
  };
  return context;
}

std::shared_ptr<sdk::Attack> Registry::make_attack(const std::string& name,
                                                   const sdk::Options& options) const {
  return get(ComponentKind::kAttack, name).attack(options);
}

}  // namespace neuroreg
