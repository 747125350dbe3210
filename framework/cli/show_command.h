// `neuroreg show RUN|COMPARISON [--json]`: what the records on disk say,
// without rerunning anything.
#pragma once

#include <ostream>

#include "cli/command.h"

namespace neuroreg {

/// `show RUN|COMPARISON [--json]`. A run folder or record file: the run
/// record. A comparison folder (one with cells.tsv): the groups' table over
/// its finished cells. With --json, the records in protobuf's JSON mapping.
int show_command(const Invocation& call, std::ostream& out, std::ostream& err);

}  // namespace neuroreg
