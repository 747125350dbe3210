// A line plot described as data (series, labels, caption) and turned into a
// gnuplot script that writes SVG to standard output. The data travel inside
// the script as inline data blocks, so the script alone redraws the figure.
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace neuroreg {

struct PlotSeries {
  std::string name;  ///< legend entry
  std::vector<double> x, y;
  /// Error bar half-heights, one per point, or empty for none. NaN leaves
  /// one point without a bar (n = 1: no SEM known).
  std::vector<double> error;
  bool steps = false;  ///< a step function (an empirical distribution)
  int colour = -1;     ///< palette index; -1: the series' position
  bool points_only = false;  ///< markers without a joining line: categories, not a trend
};

struct PlotSpec {
  std::string name;  ///< file stem: figures/<name>.svg
  std::string title;
  std::string x_label, y_label;  ///< with units
  std::string caption;           ///< how to read it: what is averaged, what the bars are
  std::vector<PlotSeries> series;
  bool log_x = false;
  double x_min = std::numeric_limits<double>::quiet_NaN();  ///< NaN: fit to the data
  double x_max = std::numeric_limits<double>::quiet_NaN();
  double y_min = std::numeric_limits<double>::quiet_NaN();
  double y_max = std::numeric_limits<double>::quiet_NaN();
  double x_tic_step = std::numeric_limits<double>::quiet_NaN();  ///< NaN: gnuplot's choice
  /// Non-empty: the x values 1, 2, … stand for these categories, which
  /// label the x axis (slanted) in place of numbers.
  std::vector<std::string> x_categories;
  bool zero_line = false;        ///< a line across at y = 0 (differences: none)
  int width = 760, height = 440; ///< pixels
};

/// The gnuplot script: SVG terminal, title, axis labels, grid, legend, one
/// line (with points, or steps) per series in a colour-blind-safe palette,
/// and error bars in the series' colour. Non-finite y values are gaps.
std::string plot_script(const PlotSpec& spec);

/// Letters, digits, '-' and '_' kept, anything else '_': a safe file stem.
std::string file_stem(const std::string& text);

}  // namespace neuroreg
