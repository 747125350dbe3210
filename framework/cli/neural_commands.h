// `neuroreg neural ...` and `neuroreg target simulate-v1`: the neural
// pipeline from recordings (real or simulated) to similarity targets.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli/command.h"

namespace neuroreg {

/// `neural simulate --out DIR`: recordings in the Sensorium layout.
int neural_simulate_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// `neural fit --out DIR SCAN...`: one predictive model per scan, DIR/<scan>/model.pt.
int neural_fit_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// `neural target --out DIR [--models DIR] SCAN...`: DIR/data (neural_data),
/// DIR/model (neural_model, with models), DIR/pixels (the pixel control over
/// the same rows) and DIR/report.
int neural_target_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// `neural bench`: fitting steps per core and target building against a GEMM.
int neural_bench_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// `target simulate-v1 --out DIR`: targets straight from a simulated population.
int target_simulate_v1_command(const Invocation& call, std::ostream& out, std::ostream& err);

}  // namespace neuroreg
