#include "cli/plugin_commands.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/options.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/run_config.h"
#include "plugin_host/plugin_loader.h"

namespace neuroreg {
namespace {

// Short type names for the schema listing.
const char* type_name(sdk::OptionType type) {
  switch (type) {
    case sdk::OptionType::kBool:
      return "bool";
    case sdk::OptionType::kInt:
      return "int";
    case sdk::OptionType::kFloat:
      return "float";
    case sdk::OptionType::kString:
      return "string";
    case sdk::OptionType::kIntList:
      return "int[]";
    case sdk::OptionType::kFloatList:
      return "float[]";
    case sdk::OptionType::kStringList:
      return "string[]";
  }
  return "?";
}

void print_options(const std::vector<sdk::OptionSpec>& options, std::ostream& out) {
  for (const sdk::OptionSpec& o : options) {
    const std::string constraints = sdk::describe_constraints(o);
    out << absl::StrFormat(
        "      %-16s %-8s %-24s %s%s\n", o.name, type_name(o.type),
        o.default_value ? "= " + sdk::to_toml_text(*o.default_value) : "(required)", o.help,
        constraints.empty() ? "" : " [" + constraints + "]");
  }
}

// The keys the host itself reads, beside those the plugins declare.
void print_host_keys(std::ostream& out) {
  const std::pair<const char*, std::vector<sdk::OptionSpec>> sections[] = {
      {"[run]", run_section_options()},
      {"[dataset]", host_component_options(sdk::ComponentKind::kDataset)},
      {"[backbone]", host_component_options(sdk::ComponentKind::kBackbone)},
      {"[train]", train_section_options()},
      {"[eval]", eval_section_options()},
      {"[[regularizer]]", host_component_options(sdk::ComponentKind::kRegularizer)},
  };
  for (const auto& [name, options] : sections) {
    out << "  " << name << "\n";
    print_options(options, out);
  }
}

// "sdk 5, torch 1.13.0, cxx11_abi 1, libstdcxx 20230528"
std::string stamp_text(const PluginStamp& stamp) {
  std::string text;
  for (const auto& [key, value] : stamp) text += (text.empty() ? "" : ", ") + key + " " + value;
  return text;
}

void print_plugins(const Registry& registry, const PluginLoader& loader, bool verbose,
                   std::ostream& out) {
  std::map<std::string, const LoadedPlugin*> by_file;
  for (const LoadedPlugin& p : loader.loaded()) by_file[p.path] = &p;
  for (auto kind : {sdk::ComponentKind::kBackbone, sdk::ComponentKind::kDataset,
                    sdk::ComponentKind::kRegularizer, sdk::ComponentKind::kAttack}) {
    out << sdk::to_string(kind) << "s:\n";
    auto components = registry.list(kind);
    if (components.empty()) out << "  (none)\n";
    for (const RegisteredComponent* c : components) {
      out << "  " << c->spec.name << " - " << c->spec.description << "\n";
      if (verbose) {
        auto it = by_file.find(c->source);
        out << "      from " << c->source;
        if (it != by_file.end()) {
          out << " (plugin " << it->second->name << " " << it->second->version << "; "
              << stamp_text(it->second->stamp) << ")";
        }
        out << "\n";
      }
      print_options(c->spec.options, out);
    }
  }
  out << "\nloaded " << loader.loaded().size() << " plugin files:\n";
  for (const LoadedPlugin& p : loader.loaded()) {
    out << "  " << p.name << " " << p.version << "  " << p.path;
    if (!p.linked_as.empty()) out << " (through the symlink " << p.linked_as << ")";
    out << "\n";
    if (verbose) out << "      built against " << stamp_text(p.stamp) << "\n";
  }
}

}  // namespace

int plugins_command(const Invocation& call, std::ostream& out, std::ostream&) {
  print_plugins(*call.registry, *call.loader, call.flags.has("--verbose"), out);
  return 0;
}

int config_explain_command(const Invocation&, std::ostream& out, std::ostream&) {
  out << "host keys by section (a plugin's own keys: 'neuroreg plugins'):\n";
  print_host_keys(out);
  return 0;
}

}  // namespace neuroreg
