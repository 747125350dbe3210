#include "neural/matrix_figure.h"

#include <charconv>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "neural/square_matrix.h"
#include "render/gnuplot.h"

namespace neuroreg {
namespace {

void check_order(const std::vector<int64_t>& order, int64_t images, const std::string& figure) {
  if (static_cast<int64_t>(order.size()) != images) {
    throw std::invalid_argument(figure + ": the order has " + std::to_string(order.size()) +
                                " entries for a [" + std::to_string(images) + ", " +
                                std::to_string(images) + "] matrix");
  }
  std::vector<bool> seen(images, false);
  for (const int64_t i : order) {
    if (i < 0 || i >= images || seen[i]) {
      throw std::invalid_argument(figure + ": the order is not a permutation of 0.." +
                                  std::to_string(images - 1) + " (" + std::to_string(i) +
                                  " is out of range or repeated)");
    }
    seen[i] = true;
  }
}

void check_panels(const std::vector<MatrixPanel>& panels, const std::string& figure) {
  if (panels.empty()) throw std::invalid_argument(figure + ": no matrix to draw");
  for (const MatrixPanel& panel : panels) {
    const std::string which = figure + ": panel '" + panel.title + "'";
    if (!is_square(panel.matrix) || panel.matrix.size(0) == 0) {
      throw std::invalid_argument(which + " must be square and not empty, got " +
                                  shape_of(panel.matrix));
    }
    if (panel.matrix.sizes() != panels[0].matrix.sizes()) {
      throw std::invalid_argument(which + " is " + shape_of(panel.matrix) + " but panel '" +
                                  panels[0].title + "' is " + shape_of(panels[0].matrix));
    }
    if (!torch::isfinite(panel.matrix).all().item<bool>()) {
      throw std::invalid_argument(which + " has values that are not finite");
    }
  }
}

void check_figure(const MatrixFigure& figure, const std::string& name) {
  check_panels(figure.panels, name);
  check_order(figure.order, figure.panels[0].matrix.size(0), name);
  if (figure.panel_width < 160 || figure.height < 160) {
    throw std::invalid_argument(name + ": a panel needs at least 160×160 pixels, got " +
                                std::to_string(figure.panel_width) + "×" +
                                std::to_string(figure.height));
  }
}

// Shortest text of `value` to `digits` significant digits, '.' whatever the
// locale.
std::string general(double value, int digits) {
  char buffer[64];
  const auto end =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, digits).ptr;
  return std::string(buffer, end);
}

// The settings every panel shares, up to the start of the multiplot.
std::string figure_settings(const MatrixFigure& figure, int64_t images) {
  const auto panels = static_cast<int>(figure.panels.size());
  std::string s = "set terminal svg size " + std::to_string(panels * figure.panel_width) + "," +
                  std::to_string(figure.height) +
                  " dynamic noenhanced font 'sans,12' background rgb 'white'\n"
                  "set encoding utf8\nset output\n";
  // ColorBrewer's RdBu, reversed so that blue is low, with a pure white
  // middle so that "no similarity" reads as blank paper.
  s += "set palette defined (0 '#053061', 1 '#4393c3', 2 '#ffffff', 3 '#d6604d', 4 '#67001f')\n";
  s += "set size ratio -1\nset tics out nomirror\nset border front\nunset key\n";
  s += "set xlabel " + gnuplot_quote(figure.axis_label) + "\n";
  s += "set ylabel " + gnuplot_quote(figure.axis_label) + "\n";
  const std::string last = general(static_cast<double>(images) - 0.5, 17);
  // Rows grow downwards, as in a printed matrix.
  s += "set xrange [-0.5:" + last + "]\nset yrange [" + last + ":-0.5]\n";
  return s + "set multiplot layout 1," + std::to_string(panels) + " title " +
         gnuplot_quote(figure.title) + "\n";
}

// Panel `p`: its values in the figure's order as an inline data block, its
// title, colour scale and plot command.
std::string panel_script(const MatrixPanel& panel, int p, const std::vector<int64_t>& order) {
  const int64_t images = panel.matrix.size(0);
  const torch::Tensor values = as_doubles(panel.matrix);
  const double* v = values.data_ptr<double>();
  std::string s = "$panel" + std::to_string(p) + " << EOD\n";
  for (int64_t r = 0; r < images; ++r) {
    for (int64_t c = 0; c < images; ++c) {
      if (c > 0) s += ' ';
      s += general(v[order[r] * images + order[c]], 7);
    }
    s += '\n';
  }
  s += "EOD\n";
  const double m = colour_limit(panel.matrix);
  const std::string lo = general(-m, 17), hi = general(m, 17);
  s += "set title " + gnuplot_quote(panel.title) + "\n";
  s += "set cbrange [" + lo + ":" + hi + "]\n";
  s += "set cbtics (" + gnuplot_quote(colour_tick_label(-m)) + " " + lo + ", '0' 0, " +
       gnuplot_quote(colour_tick_label(m)) + " " + hi + ")\n";
  return s + "plot $panel" + std::to_string(p) + " matrix with image\n";
}

}  // namespace

double colour_limit(const torch::Tensor& matrix) {
  const torch::Tensor s = as_doubles(matrix);
  if (s.dim() != 2 || s.numel() == 0) return 1.0;
  torch::Tensor off = s.abs().masked_fill(torch::eye(s.size(0), s.size(1), torch::kBool), 0.0);
  off = off.masked_fill(~torch::isfinite(off), 0.0);
  const double m = off.max().item<double>();
  return m > 0 ? m : 1.0;
}

std::string colour_tick_label(double value) { return general(value, 3); }

std::string matrix_figure_script(const MatrixFigure& figure) {
  const std::string name = "matrix figure '" + figure.title + "'";
  check_figure(figure, name);
  std::string s = figure_settings(figure, figure.panels[0].matrix.size(0));
  for (std::size_t p = 0; p < figure.panels.size(); ++p) {
    s += panel_script(figure.panels[p], static_cast<int>(p), figure.order);
  }
  return s + "unset multiplot\n";
}

std::string draw_matrix_figure(const MatrixFigure& figure, const std::string& gnuplot) {
  std::string svg = run_gnuplot(gnuplot, matrix_figure_script(figure), figure.title);
  if (svg.find("<svg") == std::string::npos) {
    throw std::runtime_error("figure " + figure.title + ": gnuplot wrote no SVG");
  }
  // gnuplot embeds each heatmap as a PNG of one pixel per cell, which a
  // browser would smooth into a blur when scaling it up.
  const std::string image = "<image ", sharp = "<image style='image-rendering:pixelated' ";
  for (std::size_t at = svg.find(image); at != std::string::npos;
       at = svg.find(image, at + sharp.size())) {
    svg.replace(at, image.size(), sharp);
  }
  return svg;
}

}  // namespace neuroreg
