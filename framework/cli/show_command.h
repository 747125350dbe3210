// `neuroreg show RUN|COMPARISON [--json]`: what the records on disk say,
// without rerunning anything.
#pragma once

#include <ostream>
#include <string>

namespace neuroreg {

/// A run folder or record file: the run record. A comparison folder (one
/// with cells.tsv): the groups' table over its finished cells. With `json`,
/// the records in protobuf's JSON mapping.
int show_command(const std::string& path, bool json, std::ostream& out, std::ostream& err);

}  // namespace neuroreg
