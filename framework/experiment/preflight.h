// Building every component a grid names before anything is trained.
//
// Reading a config checks types and each key's declared range; what depends on
// files and shapes (a target's stimuli, a tap name, a weights file, an eval
// config's attacks, an output folder that cannot be created) is only found by
// building the components. `config check` does that, and so do `compare` and
// `train` before their first cell, so a problem in the last regularizer of a
// comparison fails in seconds instead of after the others have trained.
#pragma once

#include <absl/status/status.h>

#include <string>
#include <vector>

#include "grid/grid.h"
#include "plugin_host/registry.h"

namespace neuroreg {

/// Builds the dataset, backbone, regularizer and eval attacks of `cells` (each
/// distinct configuration once), runs the backbone and each regularizer on two
/// test images, and checks the output folder can be written. The error names
/// the config file, the section and label, and what failed. `built` (optional)
/// receives one line per component built.
absl::Status preflight(const Grid& grid, const std::vector<const GridCell*>& cells,
                       const Registry& registry, std::vector<std::string>* built = nullptr);

/// The cells of `grid` that are not yet trained and evaluated.
std::vector<const GridCell*> cells_to_run(const Grid& grid, const Registry& registry);

}  // namespace neuroreg
