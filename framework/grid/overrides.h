// Command-line overrides of a grid config, as `compare` and `config check`
// take them after the config file:
//
//   train.epochs=3                 one value: a plain setting
//   run.seed=0,1,2                 several: an axis (replacing a [grid] axis of that path)
//   regularizer[pixel].taps=[stem,group1]   a list value; bare words are strings
//   compare.baseline=pixel         a [compare] key: one value, no axis
//
// A value is read as TOML reads it (3, 0.5, true, "x", [1, 2]); a bare word
// is a string, and a bracketed list of bare words a list of strings, as in
// Hydra.
#pragma once

#include <absl/status/status.h>
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "grid/axis.h"

namespace neuroreg {

/// Applies `overrides` in order: each "compare.KEY=value" sets KEY in
/// `compare`; each other one becomes an axis that replaces an axis of the
/// same path in `axes` ([grid]'s, or an earlier override's). Errors begin
/// with "override 'ARG'".
absl::Status merge_overrides(const std::vector<std::string>& overrides, std::vector<Axis>& axes,
                             toml::table& compare);

}  // namespace neuroreg
