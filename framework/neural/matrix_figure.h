// Similarity matrices of the oracle images as heatmaps, side by side (Li et
// al. 2019, Fig. 1A/B), drawn by gnuplot (render/gnuplot.h) as SVG. Rows and
// columns follow one order for every panel, usually cluster_order's of
// S_oracle (clustering.h), so that its blocks show in every matrix:
//
//   MatrixFigure figure{"Fig. 1B", "image (cluster order)",
//                       {{"S_oracle", s_oracle}, {"S_model", s_model}}, cluster_order(s_oracle)};
//   std::string svg = draw_matrix_figure(figure, find_gnuplot());
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace neuroreg {

/// One heatmap of a MatrixFigure.
struct MatrixPanel {
  std::string title;     ///< e.g. "S_oracle (Eq. 3)"
  torch::Tensor matrix;  ///< I×I, the same I in every panel of a figure
};

/// Square matrices side by side as heatmaps, each titled, with labelled axes
/// and a colour bar of its own scale.
struct MatrixFigure {
  std::string title;       ///< over all panels
  std::string axis_label;  ///< of both axes of every panel
  std::vector<MatrixPanel> panels;
  /// A permutation of 0..I−1 (e.g. cluster_order's): row and column k of
  /// every panel show image order[k].
  std::vector<int64_t> order;
  int panel_width = 460;  ///< pixels, one panel with its colour bar
  int height = 440;       ///< pixels, the whole picture
};

/// A panel's colour scale is [−m, m] with m its largest finite off-diagonal
/// |S| (an image's similarity with itself would swamp the rest), or 1 when
/// there is none or it is 0.
double colour_limit(const torch::Tensor& matrix);

/// A colour-bar tick label: `value` to 3 significant digits ("-0.0417").
std::string colour_tick_label(double value);

/// The gnuplot script that writes the figure as SVG to standard output: a
/// multiplot under the figure's title, one panel per matrix showing
/// matrix[order][order] (row 0 at the top) in a diverging colour map (blue
/// −m, white 0, red m; ColorBrewer's RdBu) with its title, both axes labelled
/// and a colour bar ticked at −m, 0 and m (m = colour_limit). The values
/// travel inside the script. Throws std::invalid_argument, naming the figure,
/// for no panels, panels that are not square, empty or of different sizes,
/// non-finite values, or an order that is not a permutation.
std::string matrix_figure_script(const MatrixFigure& figure);

/// Draws the figure with gnuplot (the executable, e.g. find_gnuplot's) and
/// returns the SVG, its heatmaps marked to be shown with sharp cells
/// (image-rendering: pixelated) rather than blurred when scaled up. Throws
/// as matrix_figure_script and run_gnuplot do.
std::string draw_matrix_figure(const MatrixFigure& figure, const std::string& gnuplot);

}  // namespace neuroreg
