// Scatter plots of the similarities of single pairs of images (Li et al.
// 2019, Fig. 1D), written here as SVG, atomically, so that a plot is either
// the old one or the new one:
//
//   write_scatter_svg({{"S_data", x, y_data, ""}, {"S_model", x, y_model, ""}}, axes,
//                     "fig1d.svg");
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace neuroreg {

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
