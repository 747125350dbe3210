// Pictures for the report: similarity matrices of the oracle images as
// heatmaps (Li et al. 2019, Fig. 1A/B) and scatter plots of the similarities
// of single pairs of images (Fig. 1D).
//
// A similarity matrix in image order looks like noise; in the leaf order of a
// hierarchical clustering its blocks of mutually similar images show. One
// order (usually S_oracle's) is reused for every matrix of a figure, so that
// S_model and S_data are read against the same blocks:
//
//   MatrixFigure figure{"Fig. 1B", "image (cluster order)",
//                       {{"S_oracle", s_oracle}, {"S_model", s_model}}, cluster_order(s_oracle)};
//   std::string svg = draw_matrix_figure(figure, find_gnuplot());
//   write_scatter_svg({{"S_data", x, y_data, ""}, {"S_model", x, y_model, ""}}, axes,
//                     "fig1d.svg");
//
// Heatmaps are drawn by gnuplot (render/gnuplot.h) as SVG; the scatter plot
// is SVG written here, atomically, so it is either the old one or the new one.
#pragma once

#include <torch/types.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace neuroreg {

/// The leaf order of average-linkage (UPGMA) agglomerative clustering of an
/// I×I similarity matrix on the distance 1 − S (S symmetrised as (S + Sᵀ)/2,
/// the diagonal ignored). Each step merges the closest pair of clusters, ties
/// going to the pair with the lowest indices; a merged cluster lists the
/// images of the one holding the lower image index first. Deterministic.
/// Throws std::invalid_argument for a non-square or non-finite matrix.
std::vector<int64_t> cluster_order(const torch::Tensor& similarity);

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

/// One set of points of a scatter plot. An empty colour takes the next one
/// of a colour-blind-safe palette.
struct ScatterSeries {
  std::string name;
  std::vector<double> x, y;
  std::string colour;
};

/// Everything about a scatter plot other than its points.
struct ScatterAxes {
  std::string title;
  std::string x_label;
  std::string y_label;
  /// Data ranges of the axes; NaN (the default) fits the range to the points.
  double x_min = std::numeric_limits<double>::quiet_NaN();
  double x_max = std::numeric_limits<double>::quiet_NaN();
  double y_min = std::numeric_limits<double>::quiet_NaN();
  double y_max = std::numeric_limits<double>::quiet_NaN();
  /// Draw the line y = x. Fitted ranges then cover x and y alike, so that the
  /// line is the diagonal of a square plot.
  bool diagonal = false;
  /// At most this many points of a series are drawn (an evenly spaced
  /// subsample beyond it, said so in the legend): a browser shows tens of
  /// thousands of SVG circles slowly, and more would be one blot anyway.
  std::size_t max_points = 5000;
  int width = 480;  ///< pixels, the whole picture
  int height = 480;
};

/// Writes a scatter plot as SVG: axes with numeric ticks, axis labels, title,
/// a legend with each series' name and colour, and one small semi-transparent
/// <circle> per drawn point (nothing else in the file is a circle). Points
/// that are not finite are left out. Throws std::invalid_argument for bad
/// arguments and std::runtime_error when the file cannot be written; both
/// name the path.
void write_scatter_svg(const std::vector<ScatterSeries>& series, const ScatterAxes& axes,
                       const std::string& path);

}  // namespace neuroreg
