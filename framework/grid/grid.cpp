#include "grid/grid.h"

#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "config/toml_schema.h"
#include "grid/compare_section.h"
#include "robustness/eval_config.h"

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSections[] = {"run", "dataset", "backbone", "train", "eval", "regularizer"};

// One grid axis: a key of one section (of one [[regularizer]] when
// `selector` names its label) and the values it takes.
struct Axis {
  std::string path;  // normalised: "run.seed", "regularizer[pixel].alpha"
  std::string section, selector, key;
  std::string origin;  // "FILE:L:C: [grid] 'path'" or "override 'arg'", for messages
  toml::array values;
};

absl::Status invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// Splits "section[selector].key" (or the alias "seed") into its parts.
absl::Status parse_path(const std::string& written, const std::string& origin, Axis& axis) {
  const std::string path = written == "seed" ? "run.seed" : written;
  const size_t dot = path.rfind('.');
  auto bad = [&](const std::string& why) {
    return invalid(origin + ": " + why +
                   "; a path is SECTION.KEY (sections: run, dataset, backbone, train, eval, "
                   "regularizer; regularizer[LABEL].KEY for one [[regularizer]]), or 'seed'");
  };
  if (dot == std::string::npos || dot == 0 || dot + 1 == path.size()) {
    return bad("'" + written + "' is not a path");
  }
  std::string head = path.substr(0, dot);
  axis.key = path.substr(dot + 1);
  if (const size_t open = head.find('['); open != std::string::npos) {
    if (head.back() != ']' || open + 2 > head.size() - 1)
      return bad("bad selector in '" + written + "'");
    axis.selector = head.substr(open + 1, head.size() - open - 2);
    head = head.substr(0, open);
    if (head != "regularizer") return bad("only [[regularizer]] entries are selected by label");
  }
  if (std::find(std::begin(kSections), std::end(kSections), head) == std::end(kSections)) {
    return bad("unknown section '" + head + "' in '" + written + "'");
  }
  if (head.find('.') != std::string::npos || axis.key.find('[') != std::string::npos) {
    return bad("'" + written + "' has too many parts");
  }
  // A label names cells, folders and selectors; changing it per cell would
  // leave cells named after the old one.
  if (head == "regularizer" && axis.key == "label") {
    return invalid(origin +
                   ": a [[regularizer]]'s label names its cells and cannot be set from "
                   "a grid or the command line; change it in the config file");
  }
  axis.section = head;
  axis.path = path;
  return absl::OkStatus();
}

// [grid] keys, flattened: TOML dotted keys (train.epochs = [...]) arrive as
// nested tables, quoted ones ("regularizer[pixel].alpha") as one key.
absl::Status read_grid_table(const toml::table& table, const std::string& prefix,
                             const std::string& file, std::vector<Axis>& axes) {
  for (const auto& [key, node] : table) {
    const std::string path = prefix + std::string(key.str());
    const std::string origin = position(file, key.source()) + "[grid] '" + path + "'";
    if (const toml::table* inner = node.as_table()) {
      if (absl::Status s = read_grid_table(*inner, path + ".", file, axes); !s.ok()) return s;
      continue;
    }
    const toml::array* values = node.as_array();
    if (!values || values->empty()) {
      return invalid(origin + " must be a non-empty list of values, e.g. [1, 2]");
    }
    Axis axis;
    if (absl::Status s = parse_path(path, origin, axis); !s.ok()) return s;
    axis.origin = origin;
    axis.values = *values;
    axes.push_back(std::move(axis));
  }
  return absl::OkStatus();
}

// Splits on commas outside brackets and quotes.
std::vector<std::string> split_top_level(const std::string& text) {
  std::vector<std::string> parts(1);
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[') {
      ++depth;
    } else if (c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      parts.emplace_back();
      continue;
    }
    parts.back() += c;
  }
  return parts;
}

// A value as TOML reads it (3, 0.5, true, "x", [1, 2]); a bare word is a
// string, and a bracketed list of bare words a list of strings, as in Hydra.
void append_value(const std::string& text, toml::array& into) {
  try {
    toml::table parsed = toml::parse(std::string("v = ") + text);
    into.push_back(*parsed.get("v"));
    return;
  } catch (const toml::parse_error&) {
  }
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    toml::array list;
    for (const std::string& item : split_top_level(text.substr(1, text.size() - 2))) {
      if (!item.empty()) append_value(item, list);
    }
    into.push_back(std::move(list));
    return;
  }
  into.push_back(text);
}

absl::Status parse_override(const std::string& arg, Axis& axis) {
  const std::string origin = "override '" + arg + "'";
  const size_t eq = arg.find('=');
  if (absl::Status s = parse_path(arg.substr(0, eq), origin, axis); !s.ok()) return s;
  axis.origin = origin;
  for (const std::string& item : split_top_level(arg.substr(eq + 1))) {
    if (item.empty()) return invalid(origin + ": empty value (write key=v or key=v1,v2)");
    append_value(item, axis.values);
  }
  return absl::OkStatus();
}

std::string regularizer_label(const toml::table& entry) {
  if (auto label = entry["label"].value_exact<std::string>(); label && !label->empty())
    return *label;
  return entry["name"].value_exact<std::string>().value_or("?");
}

bool applies_to(const Axis& axis, const std::string& label) {
  return axis.section != "regularizer" || axis.selector.empty() || axis.selector == label;
}

// Sets `axis = value` in `root`, whose [[regularizer]] array holds the
// entries the axis may touch.
void assign(toml::table& root, const Axis& axis, const toml::node& value) {
  if (axis.section == "regularizer") {
    for (toml::node& entry : *root["regularizer"].as_array()) {
      toml::table& t = *entry.as_table();
      if (axis.selector.empty() || regularizer_label(t) == axis.selector) {
        t.insert_or_assign(axis.key, value);
      }
    }
    return;
  }
  if (!root[axis.section].is_table()) root.insert_or_assign(axis.section, toml::table{});
  root[axis.section].as_table()->insert_or_assign(axis.key, value);
}

// Why `name` cannot be one folder inside another ("" when it can): run names
// and cell ids become folders under output_dir, and must stay there.
std::string folder_name_problem(const std::string& name) {
  constexpr size_t kMaxBytes = 200;  // file systems allow 255; leave room for suffixes
  if (name.empty()) return "it is empty";
  if (name.size() > kMaxBytes) {
    return "it is " + std::to_string(name.size()) + " bytes long (at most " +
           std::to_string(kMaxBytes) + ")";
  }
  if (name == "." || name == ".." || name.front() == '.') return "it starts with '.'";
  for (char c : name) {
    if (c == '/' || c == '\\') return "it contains '" + std::string(1, c) + "'";
    if (static_cast<unsigned char>(c) < 0x20) return "it contains a control character";
  }
  return "";
}

// The value as it appears in a label: 8, 0.5, cifar10, stem+group1.
std::string value_text(const toml::node& node) {
  std::string text;
  if (auto v = node.value_exact<int64_t>()) {
    text = std::to_string(*v);
  } else if (auto d = node.value_exact<double>()) {
    text = absl::StrFormat("%g", *d);
  } else if (auto b = node.value_exact<bool>()) {
    text = *b ? "true" : "false";
  } else if (auto s = node.value_exact<std::string>()) {
    text = *s;
  } else if (const toml::array* a = node.as_array()) {
    std::vector<std::string> items;
    for (const toml::node& item : *a) items.push_back(value_text(item));
    text = absl::StrJoin(items, "+");
  }
  for (char& c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '+' && c != '-') c = '_';
  }
  return text;
}

// Short names of the varying axes in labels: the key, or section_key where
// two axes share a key.
std::map<std::string, std::string> short_names(const std::vector<const Axis*>& axes) {
  std::map<std::string, int> uses;
  for (const Axis* a : axes) ++uses[a->key];
  std::map<std::string, std::string> names;
  for (const Axis* a : axes) {
    names[a->path] =
        uses[a->key] > 1 ? (a->selector.empty() ? a->section : a->selector) + "_" + a->key : a->key;
  }
  return names;
}

// The cells' groups, each once, in the order of their first cell.
std::vector<std::string> group_names(const std::vector<GridCell>& cells) {
  std::vector<std::string> groups;
  for (const GridCell& c : cells) {
    if (std::find(groups.begin(), groups.end(), c.group) == groups.end()) groups.push_back(c.group);
  }
  return groups;
}

// What a cell trains: the [eval] section is left out, so a changed evaluation
// re-evaluates the trained model instead of training it again.
std::string training_toml(RunConfig config) {
  auto drop = [](sdk::Options& options, std::initializer_list<const char*> keys) {
    std::map<std::string, sdk::OptionValue> values = options.values();
    for (const char* k : keys) values.erase(k);
    options = sdk::Options(std::move(values));
  };
  // How many processes train a model changes only how its steps are computed
  // (like device and threads); a run may resume under another world size.
  drop(config.run, {"name", "output_dir", "device", "threads", "plugin_paths", "distributed",
                    "distributed_timeout"});
  drop(config.train, {"log_every"});
  const std::string text = config.effective_toml();
  const size_t eval = text.find("[eval]\n");
  return eval == std::string::npos
             ? text
             : text.substr(0, eval) + text.substr(text.find("\n\n", eval) + 2);
}

// A "compare.KEY=value" override into the [compare] table: one value, a
// declared key (the table is checked as a whole later).
absl::Status apply_compare_override(const std::string& arg, toml::table& compare) {
  const std::string origin = "override '" + arg + "'";
  const size_t eq = arg.find('=');
  const std::string key = arg.substr(8, eq - 8);  // past "compare."
  bool known = false;
  std::vector<std::string> keys;
  for (const sdk::OptionSpec& spec : compare_section_options()) {
    known = known || spec.name == key;
    keys.push_back(spec.name);
  }
  if (!known) {
    return invalid(origin + ": unknown key '" + key + "' in [compare]; keys: " +
                   absl::StrJoin(keys, ", "));
  }
  toml::array values;
  for (const std::string& item : split_top_level(arg.substr(eq + 1))) {
    if (item.empty()) return invalid(origin + ": empty value (write compare." + key + "=v)");
    append_value(item, values);
  }
  if (values.size() != 1) {
    return invalid(origin + ": [compare] " + key + " takes one value; a comparison has one " +
                   "baseline (run another comparison for another)");
  }
  compare.insert_or_assign(key, *values.get(0));
  return absl::OkStatus();
}

}  // namespace

std::string identity_toml(const RunConfig& config) { return training_toml(config); }

std::string short_hash(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return absl::StrFormat("%08x", static_cast<uint32_t>(h ^ (h >> 32)));
}

bool is_override(const std::string& arg) {
  return arg.find('=') != std::string::npos && arg.rfind("-", 0) != 0;
}

absl::StatusOr<Grid> load_grid(const std::string& path, const std::vector<std::string>& overrides,
                               PluginLoader& loader, const Registry& registry,
                               std::vector<std::string>* warnings, PathCheck paths) {
  auto parsed = parse_toml_file(path);
  if (!parsed.ok()) return parsed.status();
  toml::table base = *std::move(parsed);

  std::vector<Axis> axes;
  if (const toml::node* grid = base.get("grid")) {
    if (!grid->is_table()) {
      return invalid(position(path, grid->source()) +
                     "'grid' must be a table ([grid]) of paths and value lists");
    }
    if (absl::Status s = read_grid_table(*grid->as_table(), "", path, axes); !s.ok()) return s;
    base.erase("grid");
  }
  // [compare] says how to report the grid, not what a cell computes: out
  // before any cell's config (and identity) is built.
  toml::table compare;
  if (const toml::node* node = base.get("compare")) {
    if (!node->is_table()) {
      return invalid(position(path, node->source()) + "'compare' must be a table ([compare])");
    }
    compare = *node->as_table();
    base.erase("compare");
  }
  for (const std::string& arg : overrides) {
    if (arg.rfind("compare.", 0) == 0) {
      if (absl::Status s = apply_compare_override(arg, compare); !s.ok()) return s;
      continue;
    }
    Axis axis;
    if (absl::Status s = parse_override(arg, axis); !s.ok()) return s;
    // An override replaces a [grid] axis, or an earlier override, of the same path.
    axes.erase(std::remove_if(axes.begin(), axes.end(),
                              [&](const Axis& a) { return a.path == axis.path; }),
               axes.end());
    axes.push_back(std::move(axis));
  }

  for (const Axis& axis : axes) {
    if ((axis.path == "run.name" || axis.path == "run.output_dir") && axis.values.size() > 1) {
      return invalid(axis.origin + ": " + axis.path +
                     " cannot vary: every cell of a grid lives in one comparison folder");
    }
  }
  // The comparison axis must exist before axes can select from it.
  auto checked = run_config_from_table(base, path, loader, registry, warnings, paths);
  if (!checked.ok()) return checked.status();
  const toml::array& entries = *base["regularizer"].as_array();
  std::vector<std::string> labels;
  for (const toml::node& e : entries) labels.push_back(regularizer_label(*e.as_table()));
  std::vector<std::pair<std::string, std::string>> regularizers;
  for (const ComponentConfig& r : checked->regularizers)
    regularizers.emplace_back(r.options.get_string("label"), r.name);
  for (const Axis& axis : axes) {
    if (!axis.selector.empty() &&
        std::find(labels.begin(), labels.end(), axis.selector) == labels.end()) {
      return invalid(axis.origin + ": no [[regularizer]] is labelled '" + axis.selector +
                     "'; labels: " + absl::StrJoin(labels, ", "));
    }
  }
  // Each value on its own first, so a bad one is blamed on its own key.
  for (const Axis& axis : axes) {
    for (const toml::node& value : axis.values) {
      toml::table trial = base;
      assign(trial, axis, value);
      auto config = run_config_from_table(trial, path, loader, registry, warnings, paths);
      if (!config.ok()) {
        return invalid(axis.origin + " = " + value_text(value) + ": " +
                       std::string(config.status().message()));
      }
    }
  }

  // Seed-major order: every group's first seed comes before any second seed.
  std::stable_sort(axes.begin(), axes.end(), [](const Axis& a, const Axis& b) {
    return (a.path == "run.seed") < (b.path == "run.seed") ||
           ((a.path == "run.seed") == (b.path == "run.seed") && a.path < b.path);
  });
  std::vector<const Axis*> varying;
  for (const Axis& a : axes) {
    if (a.values.size() > 1) varying.push_back(&a);
  }
  const std::map<std::string, std::string> names = short_names(varying);

  Grid grid;
  grid.path = path;
  for (const Axis* a : varying) grid.axis_paths.push_back(a->path);

  const Axis* seed_axis = nullptr;
  for (const Axis& a : axes) {
    if (a.path == "run.seed") seed_axis = &a;
  }
  const size_t seeds = seed_axis ? seed_axis->values.size() : 1;
  std::map<std::string, std::string> seen_ids;  // identity → label
  for (size_t s = 0; s < seeds; ++s) {
    for (size_t r = 0; r < entries.size(); ++r) {
      std::vector<const Axis*> own;
      for (const Axis& a : axes) {
        if (&a != seed_axis && applies_to(a, labels[r])) own.push_back(&a);
      }
      // Odometer over this regularizer's axes.
      std::vector<size_t> at(own.size(), 0);
      for (bool more = true; more;) {
        toml::table cell_table = base;
        toml::array one;
        one.push_back(entries[r]);
        cell_table.insert_or_assign("regularizer", std::move(one));
        GridCell cell;
        cell.label = labels[r];
        for (size_t i = 0; i < own.size(); ++i) {
          const toml::node& value = own[i]->values[at[i]];
          assign(cell_table, *own[i], value);
          if (own[i]->values.size() > 1) {
            cell.label += "-" + names.at(own[i]->path) + value_text(value);
            cell.axes.emplace_back(own[i]->path, value_text(value));
          }
        }
        if (seed_axis) assign(cell_table, *seed_axis, seed_axis->values[s]);
        auto config = run_config_from_table(cell_table, path, loader, registry, warnings, paths);
        if (!config.ok()) {
          return invalid(path + ": grid cell '" + cell.label +
                         "': " + std::string(config.status().message()));
        }
        cell.group = cell.label;
        cell.seed = config->run.get_int("seed");
        cell.label += "-seed" + std::to_string(cell.seed);
        if (seed_axis) cell.axes.emplace_back("run.seed", std::to_string(cell.seed));
        cell.config = *std::move(config);
        cell.identity = identity_toml(cell.config);
        cell.id = cell.label + "-" + short_hash(cell.identity);
        if (std::string why = folder_name_problem(cell.id); !why.empty()) {
          return invalid(path + ": grid cell '" + cell.label + "' cannot name its run folder '" +
                         cell.id + "': " + why + "; choose another [[regularizer]] label");
        }
        cell.index = static_cast<int>(grid.cells.size());
        if (auto [it, fresh] = seen_ids.emplace(cell.identity, cell.label); !fresh) {
          return invalid(
              path + ": grid cells '" + it->second + "' and '" + cell.label +
              "' would train the same model: they differ only in keys that do not change "
              "what is trained (run.threads, run.device, run.distributed, train.log_every, "
              "[eval]). To "
              "evaluate a trained grid another way, change [eval] and run it again");
        }
        grid.cells.push_back(std::move(cell));
        more = false;
        for (size_t i = own.size(); i-- > 0;) {
          if (++at[i] < own[i]->values.size()) {
            more = true;
            break;
          }
          at[i] = 0;
        }
      }
    }
  }
  // The baseline may name a group, so it is resolved once the cells exist.
  auto baseline = resolve_compare_section(compare, path, regularizers, group_names(grid.cells));
  if (!baseline.ok()) return baseline.status();
  grid.baseline = *std::move(baseline);
  // Overrides may move it; no axis varies it, so every cell agrees.
  const sdk::Options& run = grid.cells.front().config.run;
  if (std::string why = folder_name_problem(run.get_string("name")); !why.empty()) {
    return invalid(path + ": [run] name '" + run.get_string("name") +
                   "' cannot name a folder inside output_dir: " + why);
  }
  grid.run_dir = (fs::path(run.get_string("output_dir")) / run.get_string("name")).string();

  // An evaluation config is checked now, not after the cells have trained.
  std::set<std::string> eval_configs;
  for (const GridCell& c : grid.cells) eval_configs.insert(c.config.eval.get_string("config"));
  for (const std::string& eval : eval_configs) {
    if (eval.empty()) continue;
    auto config = load_eval_config(eval, registry);
    if (!config.ok()) {
      return invalid(path + ": [eval] config '" + eval +
                     "': " + std::string(config.status().message()));
    }
  }
  return grid;
}

}  // namespace neuroreg
