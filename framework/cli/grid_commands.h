// The commands on a grid config: compare, train, run-cell, bench and
// config check (their usage and flags: command_table.cpp).
#pragma once

#include <ostream>
#include <string>

#include "cli/command.h"

namespace neuroreg {

/// `compare CONFIG [KEY=VALUE...]`: runs the cells of the grid that are not
/// finished, here (--jobs) or as a Slurm array (--executor slurm); with
/// --status, where each cell stands.
int compare_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// `train CONFIG [KEY=VALUE...]`: compare, for a config with one [[regularizer]].
int train_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// `run-cell CONFIG --cell ID|INDEX [KEY=VALUE...]`: one cell of the grid.
int run_cell_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// `bench CONFIG`: a training step per regularizer, then data-parallel rows.
int bench_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// `config check CONFIG [KEY=VALUE...]`: every cell validated and built.
int config_check_command(const Invocation& call, std::ostream& out, std::ostream& err);

/// The flags of compare and train that only mean something together
/// (Slurm's with --executor slurm, --jobs without it, --status alone);
/// returns the problem, or "".
std::string launch_flag_problem(const Flags& flags);

}  // namespace neuroreg
