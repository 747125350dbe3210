// load_grid in named steps: parse the file, merge the overrides
// (grid/overrides.h), validate the axes, expand them into cells (ids: each
// cell named and checked as it is built), finish with what needs every cell.
#include "grid/grid.h"

#include <absl/strings/str_join.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "config/toml_schema.h"
#include "grid/axis.h"
#include "grid/compare_section.h"
#include "grid/overrides.h"
#include "robustness/eval_config.h"

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

absl::Status invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// A grid config taken apart: what a cell starts from, and what varies it.
struct GridSource {
  toml::table base;        // the config less [grid] and [compare]
  std::vector<Axis> axes;  // [grid]'s, then the overrides'
  // [compare] says how to report the grid, not what a cell computes: it is
  // out of `base` before any cell's config (and identity) is built.
  toml::table compare;
};

// Builds a config from a table the way every step does: one file, one set of
// plugins, one list of warnings.
struct ConfigReader {
  const std::string& path;
  PluginLoader& loader;
  const Registry& registry;
  std::vector<std::string>* warnings;
  PathCheck paths;

  absl::StatusOr<RunConfig> operator()(const toml::table& table) const {
    return run_config_from_table(table, path, loader, registry, warnings, paths);
  }
};

// The [[regularizer]] entries of the config: the comparison axis.
struct Regularizers {
  std::vector<std::string> labels;  // as regularizer_label reads each entry
  std::vector<std::pair<std::string, std::string>> plugins;  // (label, plugin name), checked
};

// Parse: the file, with [grid] read into axes and [compare] set apart.
absl::StatusOr<GridSource> parse_grid_file(const std::string& path) {
  auto parsed = parse_toml_file(path);
  if (!parsed.ok()) return parsed.status();
  GridSource source{*std::move(parsed), {}, {}};
  if (const toml::node* grid = source.base.get("grid")) {
    if (!grid->is_table()) {
      return invalid(position(path, grid->source()) +
                     "'grid' must be a table ([grid]) of paths and value lists");
    }
    if (absl::Status s = read_grid_table(*grid->as_table(), path, source.axes); !s.ok()) return s;
    source.base.erase("grid");
  }
  if (const toml::node* node = source.base.get("compare")) {
    if (!node->is_table()) {
      return invalid(position(path, node->source()) + "'compare' must be a table ([compare])");
    }
    source.compare = *node->as_table();
    source.base.erase("compare");
  }
  return source;
}

absl::Status check_folder_axes_are_fixed(const std::vector<Axis>& axes) {
  for (const Axis& axis : axes) {
    if ((axis.path == "run.name" || axis.path == "run.output_dir") && axis.values.size() > 1) {
      return invalid(axis.origin + ": " + axis.path +
                     " cannot vary: every cell of a grid lives in one comparison folder");
    }
  }
  return absl::OkStatus();
}

absl::Status check_selectors(const std::vector<Axis>& axes,
                             const std::vector<std::string>& labels) {
  for (const Axis& axis : axes) {
    if (!axis.selector.empty() &&
        std::find(labels.begin(), labels.end(), axis.selector) == labels.end()) {
      return invalid(axis.origin + ": no [[regularizer]] is labelled '" + axis.selector +
                     "'; labels: " + absl::StrJoin(labels, ", "));
    }
  }
  return absl::OkStatus();
}

// Each value on its own first, so a bad one is blamed on its own key.
absl::Status check_each_value(const GridSource& source, const ConfigReader& read) {
  for (const Axis& axis : source.axes) {
    for (const toml::node& value : axis.values) {
      toml::table trial = source.base;
      assign(trial, axis, value);
      auto config = read(trial);
      if (!config.ok()) {
        return invalid(axis.origin + " = " + value_text(value) + ": " +
                       std::string(config.status().message()));
      }
    }
  }
  return absl::OkStatus();
}

// Validate: the config without axes, then every axis and value against it.
absl::StatusOr<Regularizers> validate(const GridSource& source, const ConfigReader& read) {
  if (absl::Status s = check_folder_axes_are_fixed(source.axes); !s.ok()) return s;
  // The comparison axis must exist before axes can select from it.
  auto checked = read(source.base);
  if (!checked.ok()) return checked.status();
  Regularizers regularizers;
  for (const toml::node& e : *source.base["regularizer"].as_array())
    regularizers.labels.push_back(regularizer_label(*e.as_table()));
  for (const ComponentConfig& r : checked->regularizers)
    regularizers.plugins.emplace_back(r.options.get_string("label"), r.name);
  if (absl::Status s = check_selectors(source.axes, regularizers.labels); !s.ok()) return s;
  if (absl::Status s = check_each_value(source, read); !s.ok()) return s;
  return regularizers;
}

// Seed-major order: every group's first seed comes before any second seed.
void order_seed_last(std::vector<Axis>& axes) {
  std::stable_sort(axes.begin(), axes.end(), [](const Axis& a, const Axis& b) {
    return (a.path == "run.seed") < (b.path == "run.seed") ||
           ((a.path == "run.seed") == (b.path == "run.seed") && a.path < b.path);
  });
}

// Turns the next combination of `at` (one index into each axis's values,
// the last axis fastest); false once every combination has been visited.
bool advance(std::vector<size_t>& at, const std::vector<const Axis*>& axes) {
  for (size_t i = axes.size(); i-- > 0;) {
    if (++at[i] < axes[i]->values.size()) return true;
    at[i] = 0;
  }
  return false;
}

// Expands the axes, already in seed-major order, into cells; each cell is
// built, named and checked (its folder name, an identity no other cell has)
// as it is made.
class CellExpansion {
 public:
  CellExpansion(const GridSource& source, const std::vector<std::string>& labels,
                const std::vector<const Axis*>& varying, const ConfigReader& read)
      : source_(source), labels_(labels), names_(short_names(varying)), read_(read) {
    for (const Axis& a : source.axes) {
      if (a.path == "run.seed") seed_axis_ = &a;
    }
  }

  absl::StatusOr<std::vector<GridCell>> run() {
    const size_t seeds = seed_axis_ ? seed_axis_->values.size() : 1;
    for (size_t s = 0; s < seeds; ++s) {
      for (size_t r = 0; r < labels_.size(); ++r) {
        if (absl::Status st = add_regularizer_cells(r, s); !st.ok()) return st;
      }
    }
    return std::move(cells_);
  }

 private:
  // The cells of the r-th [[regularizer]] at the s-th seed: one per
  // combination of the values of its own axes.
  absl::Status add_regularizer_cells(size_t r, size_t s) {
    std::vector<const Axis*> own;
    for (const Axis& a : source_.axes) {
      if (&a != seed_axis_ && applies_to(a, labels_[r])) own.push_back(&a);
    }
    std::vector<size_t> at(own.size(), 0);
    do {
      toml::table table = source_.base;
      toml::array one;
      one.push_back((*source_.base["regularizer"].as_array())[r]);
      table.insert_or_assign("regularizer", std::move(one));
      GridCell cell;
      cell.label = labels_[r];
      for (size_t i = 0; i < own.size(); ++i) set_axis(table, cell, *own[i], own[i]->values[at[i]]);
      if (seed_axis_) assign(table, *seed_axis_, seed_axis_->values[s]);
      if (absl::Status st = add_cell(table, std::move(cell)); !st.ok()) return st;
    } while (advance(at, own));
    return absl::OkStatus();
  }

  // Sets one axis's value in a cell's table; a varying axis also names the cell.
  void set_axis(toml::table& table, GridCell& cell, const Axis& axis, const toml::node& value) {
    assign(table, axis, value);
    if (axis.values.size() > 1) {
      cell.label += "-" + names_.at(axis.path) + value_text(value);
      cell.axes.emplace_back(axis.path, value_text(value));
    }
  }

  // Ids: builds the cell's config, gives the cell its group, seed,
  // identity and id, and checks that the id can be a folder and that no
  // earlier cell trains the same model.
  absl::Status add_cell(const toml::table& table, GridCell cell) {
    const std::string& path = read_.path;
    auto config = read_(table);
    if (!config.ok()) {
      return invalid(path + ": grid cell '" + cell.label +
                     "': " + std::string(config.status().message()));
    }
    cell.group = cell.label;
    cell.seed = config->run.get_int("seed");
    cell.label += "-seed" + std::to_string(cell.seed);
    if (seed_axis_) cell.axes.emplace_back("run.seed", std::to_string(cell.seed));
    cell.config = *std::move(config);
    cell.identity = identity_toml(cell.config);
    cell.id = cell.label + "-" + short_hash(cell.identity);
    if (std::string why = folder_name_problem(cell.id); !why.empty()) {
      return invalid(path + ": grid cell '" + cell.label + "' cannot name its run folder '" +
                     cell.id + "': " + why + "; choose another [[regularizer]] label");
    }
    cell.index = static_cast<int>(cells_.size());
    if (auto [it, fresh] = seen_ids_.emplace(cell.identity, cell.label); !fresh) {
      return invalid(path + ": grid cells '" + it->second + "' and '" + cell.label +
                     "' would train the same model: they differ only in keys that do not change "
                     "what is trained (run.threads, run.device, run.distributed, "
                     "train.log_every, [eval]). To evaluate a trained grid another way, change "
                     "[eval] and run it again");
    }
    cells_.push_back(std::move(cell));
    return absl::OkStatus();
  }

  const GridSource& source_;
  const std::vector<std::string>& labels_;
  const std::map<std::string, std::string> names_;  // axis path → its name in labels
  const ConfigReader& read_;
  const Axis* seed_axis_ = nullptr;
  std::map<std::string, std::string> seen_ids_;  // identity → label
  std::vector<GridCell> cells_;
};

// Expand: the cells, in seed-major order, and the paths of the axes that vary.
absl::Status expand(GridSource& source, const Regularizers& regularizers, const ConfigReader& read,
                    Grid& grid) {
  order_seed_last(source.axes);
  std::vector<const Axis*> varying;
  for (const Axis& a : source.axes) {
    if (a.values.size() > 1) varying.push_back(&a);
  }
  for (const Axis* a : varying) grid.axis_paths.push_back(a->path);
  auto cells = CellExpansion(source, regularizers.labels, varying, read).run();
  if (!cells.ok()) return cells.status();
  grid.cells = *std::move(cells);
  return absl::OkStatus();
}

// The cells' groups, each once, in the order of their first cell.
std::vector<std::string> group_names(const std::vector<GridCell>& cells) {
  std::vector<std::string> groups;
  for (const GridCell& c : cells) {
    if (std::find(groups.begin(), groups.end(), c.group) == groups.end()) groups.push_back(c.group);
  }
  return groups;
}

// output_dir/name. Overrides may move it; no axis varies it, so every cell agrees.
absl::StatusOr<std::string> comparison_folder(const Grid& grid) {
  const sdk::Options& run = grid.cells.front().config.run;
  if (std::string why = folder_name_problem(run.get_string("name")); !why.empty()) {
    return invalid(grid.path + ": [run] name '" + run.get_string("name") +
                   "' cannot name a folder inside output_dir: " + why);
  }
  return (fs::path(run.get_string("output_dir")) / run.get_string("name")).string();
}

// An evaluation config is checked now, not after the cells have trained.
absl::Status check_eval_configs(const Grid& grid, const Registry& registry) {
  std::set<std::string> eval_configs;
  for (const GridCell& c : grid.cells) eval_configs.insert(c.config.eval.get_string("config"));
  for (const std::string& eval : eval_configs) {
    if (eval.empty()) continue;
    auto config = load_eval_config(eval, registry);
    if (!config.ok()) {
      return invalid(grid.path + ": [eval] config '" + eval +
                     "': " + std::string(config.status().message()));
    }
  }
  return absl::OkStatus();
}

// Finish: what needs every cell: the baseline (it may name a group), the
// comparison folder, the evaluation configs.
absl::Status finish(const GridSource& source, const Regularizers& regularizers,
                    const Registry& registry, Grid& grid) {
  auto baseline = resolve_compare_section(source.compare, grid.path, regularizers.plugins,
                                          group_names(grid.cells));
  if (!baseline.ok()) return baseline.status();
  grid.baseline = *std::move(baseline);
  auto run_dir = comparison_folder(grid);
  if (!run_dir.ok()) return run_dir.status();
  grid.run_dir = *std::move(run_dir);
  return check_eval_configs(grid, registry);
}

}  // namespace

absl::StatusOr<Grid> load_grid(const std::string& path, const std::vector<std::string>& overrides,
                               PluginLoader& loader, const Registry& registry,
                               std::vector<std::string>* warnings, PathCheck paths) {
  auto source = parse_grid_file(path);
  if (!source.ok()) return source.status();
  if (absl::Status s = merge_overrides(overrides, source->axes, source->compare); !s.ok()) {
    return s;
  }
  const ConfigReader read{path, loader, registry, warnings, paths};
  auto regularizers = validate(*source, read);
  if (!regularizers.ok()) return regularizers.status();
  Grid grid;
  grid.path = path;
  if (absl::Status s = expand(*source, *regularizers, read, grid); !s.ok()) return s;
  if (absl::Status s = finish(*source, *regularizers, registry, grid); !s.ok()) return s;
  return grid;
}

}  // namespace neuroreg
