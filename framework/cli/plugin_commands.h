// `neuroreg plugins` and `neuroreg config explain`: the components and the
// config keys the host and its plugins read.
#pragma once

#include <ostream>

#include "cli/command.h"

namespace neuroreg {

/// `plugins [--verbose]`: each registered component, its description and
/// keys; with --verbose, where it was loaded from and what it was built against.
int plugins_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// `config explain`: the keys the host reads in each section, with defaults.
int config_explain_command(const Invocation& call, std::ostream& out, std::ostream& err);

}  // namespace neuroreg
