// `neuroreg eval` and `neuroreg export`: what a trained model is worth, and
// the model itself for other tools.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli/command.h"

namespace neuroreg {

/// `eval RUN|CHECKPOINT... --config EVAL.toml`: noise, corruptions and
/// attacks per model; writes <run>/robustness-<config>.{pb,txt} and prints a
/// table per model, then one side by side. A comparison folder stands for
/// every run inside it.
int eval_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// `export RUN|CHECKPOINT --torchscript FILE`: the trained model as
/// TorchScript, taking images in [0,1] (normalisation inside).
int export_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// The run folders `paths` stand for: a run folder or weights file as it is,
/// a comparison folder as each run folder inside it (sorted). Throws
/// std::runtime_error naming a path that is neither.
std::vector<std::string> expand_runs(const std::vector<std::string>& paths);

}  // namespace neuroreg
