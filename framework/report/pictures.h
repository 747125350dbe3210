// Pictures for the report: similarity matrices of the oracle images as
// heatmaps (Li et al. 2019, Fig. 1A/B) and scatter plots of the similarities
// of single pairs of images (Fig. 1D).
//
// A similarity matrix in image order looks like noise; in the leaf order of a
// hierarchical clustering its blocks of mutually similar images show. One
// order (usually S_oracle's) is reused for every matrix of a figure, so that
// S_model and S_data are read against the same blocks:
//
//   std::vector<int64_t> order = cluster_order(s_oracle);
//   write_matrices_png({s_oracle, s_model, s_data}, order, "fig1b.png", -1, 1, 4);
//   write_scatter_svg({{"S_data", x, y_data, ""}, {"S_model", x, y_model, ""}}, axes,
//                     "fig1d.svg");
//
// PNGs are encoded with libpng, SVGs are plain text; both are written
// atomically, so a figure is either the old one or the new one.
#pragma once

#include <torch/types.h>

#include <array>
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

/// The heatmap colour of `value`: blue at `lo`, white halfway between `lo`
/// and `hi`, red at `hi`, values outside [lo, hi] clamped; NaN is grey.
std::array<uint8_t, 3> diverging_colour(double value, double lo, double hi);

/// Writes matrix[order][order] as an RGB PNG, each entry a square of
/// cell_pixels × cell_pixels pixels coloured by diverging_colour(·, lo, hi).
/// `order` must be a permutation of 0..I−1 (e.g. cluster_order's). Throws
/// std::invalid_argument for bad arguments and std::runtime_error when the
/// file cannot be written; both name the path.
void write_matrix_png(const torch::Tensor& matrix, const std::vector<int64_t>& order,
                      const std::string& path, double lo, double hi, int cell_pixels);

/// Several I×I matrices side by side in one PNG ("S_oracle | S_model |
/// S_data"), all in the same order and colour scale, separated by white
/// columns gap_pixels wide.
void write_matrices_png(const std::vector<torch::Tensor>& matrices,
                        const std::vector<int64_t>& order, const std::string& path, double lo,
                        double hi, int cell_pixels, int gap_pixels = 8);

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
