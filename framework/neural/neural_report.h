// The neural pipeline's report: a text table (per scan and overall) and
// pictures of Fig. 1 of Li et al. 2019 — the oracle images' similarity
// matrices ordered by clustering (S_oracle, S_model, S_true side by side, as
// Fig. 1A/B), and the scatter of Fig. 1D (single-trial S_data and S_model
// against S_oracle).
#pragma once

#include <string>

#include "neural/neural_targets.h"

namespace neuroreg {

/// The text table.
std::string format_target_report(const TargetReport& report);

/// Writes DIR/report.txt, DIR/similarity_oracle_images.png (the first
/// scan's S_oracle | S_model | S_true, ordered by clustering S_oracle, each
/// scaled to its largest off-diagonal |S|; blue −, white 0, red +) and
/// DIR/fig1d_scatter.svg (each atomically).
void write_target_report(const TargetReport& report, const std::string& dir);

}  // namespace neuroreg
