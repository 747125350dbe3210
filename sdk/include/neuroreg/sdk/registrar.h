// The registrar: how a plugin tells the host what it provides.
//
// A plugin's registration callback receives a Registrar and adds components
// by name, each with a description, its declared options and a factory. The
// host records which file registered what and refuses duplicate names.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "neuroreg/sdk/attack.h"
#include "neuroreg/sdk/backbone.h"
#include "neuroreg/sdk/dataset.h"
#include "neuroreg/sdk/options.h"
#include "neuroreg/sdk/regularizer.h"
#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

/// The four kinds of component a plugin can provide.
enum class ComponentKind { kBackbone, kDataset, kRegularizer, kAttack };
NEUROREG_SDK_API std::string to_string(ComponentKind kind);

/// Name, one-line description and config keys of a component.
struct NEUROREG_SDK_API ComponentSpec {
  std::string name;
  std::string description;
  std::vector<OptionSpec> options;
};

using BackboneFactory =
    std::function<std::shared_ptr<Backbone>(const Options&, const BackboneContext&)>;
using DatasetFactory =
    std::function<std::shared_ptr<Dataset>(const Options&, const DatasetContext&)>;
using RegularizerFactory =
    std::function<std::shared_ptr<Regularizer>(const Options&, const RegularizerContext&)>;
using AttackFactory = std::function<std::shared_ptr<Attack>(const Options&)>;

/// Implemented by the host. Each call throws std::invalid_argument on a
/// duplicate or empty name; the host reports it against the plugin's file.
class NEUROREG_SDK_API Registrar {
 public:
  virtual ~Registrar();
  virtual void add_backbone(ComponentSpec spec, BackboneFactory factory) = 0;
  virtual void add_dataset(ComponentSpec spec, DatasetFactory factory) = 0;
  virtual void add_regularizer(ComponentSpec spec, RegularizerFactory factory) = 0;
  virtual void add_attack(ComponentSpec spec, AttackFactory factory) = 0;
};

}  // namespace neuroreg::sdk
