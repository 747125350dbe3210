// The neural pipeline's report: a text table (per scan and overall) and
// pictures of Fig. 1 of Li et al. 2019 — the oracle images' similarity
// matrices ordered by clustering (S_oracle, S_model, S_true side by side, as
// Fig. 1A/B; drawn by gnuplot), and the scatter of Fig. 1D (single-trial
// S_data and S_model against S_oracle).
#pragma once

#include <string>
#include <vector>

#include "neural/neural_targets.h"

namespace neuroreg {

/// The text table.
std::string format_target_report(const TargetReport& report);

/// Writes DIR/report.txt, DIR/similarity_oracle_images.svg (the first
/// scan's S_oracle | S_model | S_true ordered by clustering S_oracle, drawn
/// by gnuplot: each panel titled, its axes labelled, with a colour bar of its
/// own scale, ±its largest off-diagonal |S|) and DIR/fig1d_scatter.svg (each
/// atomically). Without gnuplot (`gnuplot_program` as find_gnuplot takes it),
/// or when it fails, the heatmaps are not drawn: report.txt says so and why,
/// and so does the returned warning; the rest is written all the same.
std::vector<std::string> write_target_report(const TargetReport& report, const std::string& dir,
                                             const std::string& gnuplot_program = "gnuplot");

}  // namespace neuroreg
