#include "neural/pictures.h"

#include <neuroreg/sdk/atomic_file.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

#include "render/gnuplot.h"
#include "render/markup.h"

namespace neuroreg {
namespace {

// ---------------------------------------------------------------------------
// Clustering

// Average linkage on a full n×n distance matrix, updated in place. Each
// cluster lives in the slot of its lowest image index; nearest[i] is the
// closest live slot j > i (the lowest j among equals), so the globally
// closest pair is the row minimum with the lowest i — the same pair, ties
// included, as scanning every pair in index order, but after a merge only
// the rows that pointed at the merged slots need a fresh scan. That keeps a
// typical run near O(n²) instead of O(n³).
class AverageLinkage {
 public:
  AverageLinkage(std::vector<double> distance, int64_t n)
      : d_(std::move(distance)),
        n_(n),
        live_(n, true),
        size_(n, 1),
        members_(n),
        nearest_(n, -1),
        nearest_distance_(n) {
    for (int64_t i = 0; i < n_; ++i) {
      members_[i] = {i};
      rescan(i);
    }
  }

  std::vector<int64_t> leaf_order() {
    for (int64_t merges = 1; merges < n_; ++merges) {
      int64_t a = -1;
      for (int64_t i = 0; i < n_; ++i) {
        if (!live_[i] || nearest_[i] < 0) continue;
        if (a < 0 || nearest_distance_[i] < nearest_distance_[a]) a = i;
      }
      merge(a, nearest_[a]);
    }
    return n_ > 0 ? members_[0] : std::vector<int64_t>{};
  }

 private:
  double& at(int64_t i, int64_t j) { return d_[i * n_ + j]; }

  void rescan(int64_t i) {
    nearest_[i] = -1;
    nearest_distance_[i] = std::numeric_limits<double>::infinity();
    for (int64_t j = i + 1; j < n_; ++j) {
      if (live_[j] && (nearest_[i] < 0 || at(i, j) < nearest_distance_[i])) {
        nearest_[i] = j;
        nearest_distance_[i] = at(i, j);
      }
    }
  }

  // Merges slot b into slot a (a < b).
  void merge(int64_t a, int64_t b) {
    const double wa = static_cast<double>(size_[a]), wb = static_cast<double>(size_[b]);
    for (int64_t k = 0; k < n_; ++k) {
      if (!live_[k] || k == a || k == b) continue;
      at(a, k) = at(k, a) = (wa * at(a, k) + wb * at(b, k)) / (wa + wb);
    }
    live_[b] = false;
    size_[a] += size_[b];
    members_[a].insert(members_[a].end(), members_[b].begin(), members_[b].end());
    members_[b].clear();

    // Rows below a see a changed distance to a and lose b; rows between a
    // and b only lose b; rows above b look only further up and are untouched.
    // A merged cluster is never closer than the nearer of its parts, so a row
    // that pointed elsewhere keeps its neighbour — unless rounding says
    // otherwise, which the comparison below keeps exact.
    for (int64_t i = 0; i < a; ++i) {
      if (!live_[i]) continue;
      if (nearest_[i] == a || nearest_[i] == b) {
        rescan(i);
      } else if (at(i, a) < nearest_distance_[i] ||
                 (at(i, a) == nearest_distance_[i] && a < nearest_[i])) {
        nearest_[i] = a;
        nearest_distance_[i] = at(i, a);
      }
    }
    rescan(a);
    for (int64_t i = a + 1; i < b; ++i) {
      if (live_[i] && nearest_[i] == b) rescan(i);
    }
  }

  std::vector<double> d_;
  int64_t n_;
  std::vector<bool> live_;
  std::vector<int64_t> size_;
  std::vector<std::vector<int64_t>> members_;
  std::vector<int64_t> nearest_;
  std::vector<double> nearest_distance_;
};

// A CPU double copy of a matrix that is safe to read through data_ptr.
torch::Tensor as_doubles(const torch::Tensor& matrix) {
  return matrix.detach().to(torch::kCPU, torch::kDouble).contiguous();
}

bool is_square(const torch::Tensor& matrix) {
  return matrix.defined() && matrix.dim() == 2 && matrix.size(0) == matrix.size(1);
}

std::string shape_of(const torch::Tensor& matrix) {
  return matrix.defined() ? c10::str(matrix.sizes()) : std::string("undefined");
}

// ---------------------------------------------------------------------------
// Heatmaps

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

// Shortest text of `value` to `digits` significant digits, '.' whatever the
// locale.
std::string general(double value, int digits) {
  char buffer[64];
  const auto end =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, digits).ptr;
  return std::string(buffer, end);
}

// ---------------------------------------------------------------------------
// SVG

// Locale-independent fixed-point text (SVG wants '.' whatever LC_NUMERIC).
std::string fixed(double value, int decimals) {
  char buffer[64];
  const auto end =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals).ptr;
  return std::string(buffer, end);
}

// Characters, not bytes, of UTF-8 text: for sizing the legend box.
std::size_t characters(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Okabe & Ito's colour-blind-safe palette.
const char* palette_colour(std::size_t index) {
  static const char* const kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                         "#E69F00", "#56B4E9", "#F0E442", "#000000"};
  return kPalette[index % (sizeof kPalette / sizeof kPalette[0])];
}

struct Range {
  double lo, hi;
};

// The finite values' extent widened by 5% a side so that no dot sits on the
// frame, or [0, 1] without any; an end given in `given` replaces the fitted one.
Range fit_range(const std::vector<const std::vector<double>*>& columns, Range given,
                const std::string& axis, const std::string& path) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto* column : columns) {
    for (const double v : *column) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (lo > hi) {
    lo = 0;
    hi = 1;
  } else {
    const double pad = hi > lo ? 0.05 * (hi - lo) : 0.5;
    lo -= pad;
    hi += pad;
  }
  if (!std::isnan(given.lo)) lo = given.lo;
  if (!std::isnan(given.hi)) hi = given.hi;
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi)) {
    throw std::invalid_argument(path + ": the " + axis + " range [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "] is empty");
  }
  return {lo, hi};
}

// Round numbers (1, 2 or 5 × 10^k) about a fifth of the range apart.
double tick_step(double span) {
  const double raw = span / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * magnitude;
}

std::vector<double> ticks(Range range, double step) {
  std::vector<double> out;
  const auto first = static_cast<int64_t>(std::ceil(range.lo / step - 1e-9));
  const auto last = static_cast<int64_t>(std::floor(range.hi / step + 1e-9));
  for (int64_t k = first; k <= last; ++k) out.push_back(static_cast<double>(k) * step);
  return out;
}

int tick_decimals(double step) {
  return std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
}

// The indices of the points to draw: the finite ones, thinned to at most
// `max_points` evenly spaced ones.
std::vector<std::size_t> points_to_draw(const ScatterSeries& s, std::size_t max_points) {
  std::vector<std::size_t> finite;
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) finite.push_back(i);
  }
  if (finite.size() <= max_points) return finite;
  std::vector<std::size_t> kept(max_points);
  for (std::size_t k = 0; k < max_points; ++k) kept[k] = finite[k * finite.size() / max_points];
  return kept;
}

// Maps data to picture coordinates (y grows downwards in SVG).
struct Frame {
  double left, right, top, bottom;
  Range x, y;
  double px(double v) const { return left + (v - x.lo) / (x.hi - x.lo) * (right - left); }
  double py(double v) const { return bottom - (v - y.lo) / (y.hi - y.lo) * (bottom - top); }
};

void check_scatter(const std::vector<ScatterSeries>& series, const ScatterAxes& axes,
                   const std::string& path) {
  for (const ScatterSeries& s : series) {
    if (s.x.size() != s.y.size()) {
      throw std::invalid_argument(path + ": series \"" + s.name + "\" has " +
                                  std::to_string(s.x.size()) + " x but " +
                                  std::to_string(s.y.size()) + " y values");
    }
  }
  if (axes.max_points == 0) throw std::invalid_argument(path + ": max_points must be at least 1");
  if (axes.width < 160 || axes.height < 160) {
    throw std::invalid_argument(path + ": a scatter plot needs at least 160×160 pixels, got " +
                                std::to_string(axes.width) + "×" + std::to_string(axes.height));
  }
}

void draw_axes(std::string& svg, const Frame& f, const ScatterAxes& axes) {
  const double x_step = tick_step(f.x.hi - f.x.lo), y_step = tick_step(f.y.hi - f.y.lo);
  svg += "<g class=\"axes\" stroke=\"black\" stroke-width=\"1\" fill=\"none\">\n";
  svg += "<rect x=\"" + fixed(f.left, 1) + "\" y=\"" + fixed(f.top, 1) + "\" width=\"" +
         fixed(f.right - f.left, 1) + "\" height=\"" + fixed(f.bottom - f.top, 1) + "\"/>\n";
  for (const double v : ticks(f.x, x_step)) {
    svg += "<line x1=\"" + fixed(f.px(v), 2) + "\" y1=\"" + fixed(f.bottom, 1) + "\" x2=\"" +
           fixed(f.px(v), 2) + "\" y2=\"" + fixed(f.bottom + 5, 1) + "\"/>\n";
  }
  for (const double v : ticks(f.y, y_step)) {
    svg += "<line x1=\"" + fixed(f.left - 5, 1) + "\" y1=\"" + fixed(f.py(v), 2) + "\" x2=\"" +
           fixed(f.left, 1) + "\" y2=\"" + fixed(f.py(v), 2) + "\"/>\n";
  }
  svg += "</g>\n<g class=\"tick-labels\" fill=\"black\">\n";
  for (const double v : ticks(f.x, x_step)) {
    svg += "<text x=\"" + fixed(f.px(v), 2) + "\" y=\"" + fixed(f.bottom + 18, 1) +
           "\" text-anchor=\"middle\">" + fixed(v, tick_decimals(x_step)) + "</text>\n";
  }
  for (const double v : ticks(f.y, y_step)) {
    svg += "<text x=\"" + fixed(f.left - 8, 1) + "\" y=\"" + fixed(f.py(v) + 4, 2) +
           "\" text-anchor=\"end\">" + fixed(v, tick_decimals(y_step)) + "</text>\n";
  }
  svg += "</g>\n";
  const double centre_x = (f.left + f.right) / 2, centre_y = (f.top + f.bottom) / 2;
  svg += "<text class=\"title\" x=\"" + fixed(centre_x, 1) +
         "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">" +
         escape_markup(axes.title) + "</text>\n";
  svg += "<text class=\"x-label\" x=\"" + fixed(centre_x, 1) + "\" y=\"" + fixed(f.bottom + 40, 1) +
         "\" text-anchor=\"middle\">" + escape_markup(axes.x_label) + "</text>\n";
  svg += "<text class=\"y-label\" transform=\"translate(16," + fixed(centre_y, 1) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escape_markup(axes.y_label) + "</text>\n";
}

// The part of y = x inside both ranges, if any.
void draw_diagonal(std::string& svg, const Frame& f) {
  const double lo = std::max(f.x.lo, f.y.lo), hi = std::min(f.x.hi, f.y.hi);
  if (!(lo < hi)) return;
  svg += "<line class=\"diagonal\" x1=\"" + fixed(f.px(lo), 2) + "\" y1=\"" + fixed(f.py(lo), 2) +
         "\" x2=\"" + fixed(f.px(hi), 2) + "\" y2=\"" + fixed(f.py(hi), 2) +
         "\" stroke=\"#888888\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>\n";
}

}  // namespace

std::vector<int64_t> cluster_order(const torch::Tensor& similarity) {
  if (!is_square(similarity)) {
    throw std::invalid_argument("cluster_order: the similarity must be a square matrix, got " +
                                shape_of(similarity));
  }
  const int64_t n = similarity.size(0);
  const torch::Tensor s = as_doubles(similarity);
  const double* p = s.data_ptr<double>();
  std::vector<double> distance(static_cast<std::size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      if (!std::isfinite(p[i * n + j])) {
        throw std::invalid_argument("cluster_order: the similarity of images " + std::to_string(i) +
                                    " and " + std::to_string(j) + " is not finite");
      }
      if (i != j) distance[i * n + j] = 1.0 - 0.5 * (p[i * n + j] + p[j * n + i]);
    }
  }
  return AverageLinkage(std::move(distance), n).leaf_order();
}

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
  check_panels(figure.panels, name);
  const int64_t images = figure.panels[0].matrix.size(0);
  check_order(figure.order, images, name);
  if (figure.panel_width < 160 || figure.height < 160) {
    throw std::invalid_argument(name + ": a panel needs at least 160×160 pixels, got " +
                                std::to_string(figure.panel_width) + "×" +
                                std::to_string(figure.height));
  }

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
  s += "set multiplot layout 1," + std::to_string(panels) + " title " +
       gnuplot_quote(figure.title) + "\n";
  for (int p = 0; p < panels; ++p) {
    const MatrixPanel& panel = figure.panels[p];
    const torch::Tensor values = as_doubles(panel.matrix);
    const double* v = values.data_ptr<double>();
    s += "$panel" + std::to_string(p) + " << EOD\n";
    for (int64_t r = 0; r < images; ++r) {
      for (int64_t c = 0; c < images; ++c) {
        if (c > 0) s += ' ';
        s += general(v[figure.order[r] * images + figure.order[c]], 7);
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
    s += "plot $panel" + std::to_string(p) + " matrix with image\n";
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

void write_scatter_svg(const std::vector<ScatterSeries>& series, const ScatterAxes& axes,
                       const std::string& path) {
  check_scatter(series, axes, path);
  std::vector<const std::vector<double>*> xs, ys;
  for (const ScatterSeries& s : series) {
    xs.push_back(&s.x);
    ys.push_back(&s.y);
  }
  if (axes.diagonal) {
    xs.insert(xs.end(), ys.begin(), ys.end());
    ys = xs;
  }
  const double left = 64.0, bottom = axes.height - 52.0;
  double right = axes.width - 16.0, top = 36.0;
  if (axes.diagonal) {
    // Equal ranges on a square plot put y = x at 45°.
    const double side = std::min(right - left, bottom - top);
    right = left + side;
    top = bottom - side;
  }
  const Frame f{left,
                right,
                top,
                bottom,
                fit_range(xs, {axes.x_min, axes.x_max}, "x", path),
                fit_range(ys, {axes.y_min, axes.y_max}, "y", path)};

  const std::string w = std::to_string(axes.width), h = std::to_string(axes.height);
  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h +
         "\" viewBox=\"0 0 " + w + " " + h + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<defs><clipPath id=\"plot-area\"><rect x=\"" + fixed(f.left, 1) + "\" y=\"" +
         fixed(f.top, 1) + "\" width=\"" + fixed(f.right - f.left, 1) + "\" height=\"" +
         fixed(f.bottom - f.top, 1) + "\"/></clipPath></defs>\n";
  draw_axes(svg, f, axes);
  if (axes.diagonal) draw_diagonal(svg, f);

  std::vector<std::string> labels, colours;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const ScatterSeries& s = series[k];
    const std::vector<std::size_t> drawn = points_to_draw(s, axes.max_points);
    colours.push_back(s.colour.empty() ? palette_colour(k) : s.colour);
    labels.push_back(drawn.size() < s.x.size() ? s.name + " (" + std::to_string(drawn.size()) +
                                                     " of " + std::to_string(s.x.size()) + " shown)"
                                               : s.name);
    svg += "<g class=\"series\" fill=\"" + escape_markup(colours.back()) +
           "\" fill-opacity=\"0.35\" stroke=\"none\" clip-path=\"url(#plot-area)\">\n";
    for (const std::size_t i : drawn) {
      svg += "<circle cx=\"" + fixed(f.px(s.x[i]), 2) + "\" cy=\"" + fixed(f.py(s.y[i]), 2) +
             "\" r=\"2\"/>\n";
    }
    svg += "</g>\n";
  }

  // Legend in the top left corner of the plot, over a translucent box.
  if (axes.diagonal) labels.push_back("y = x");
  std::size_t longest = 0;
  for (const std::string& label : labels) longest = std::max(longest, characters(label));
  const double x0 = f.left + 8, y0 = f.top + 8;
  svg += "<g class=\"legend\">\n<rect x=\"" + fixed(x0, 1) + "\" y=\"" + fixed(y0, 1) +
         "\" width=\"" + fixed(28 + 7.0 * static_cast<double>(longest), 1) + "\" height=\"" +
         fixed(8 + 16.0 * static_cast<double>(labels.size()), 1) +
         "\" fill=\"white\" fill-opacity=\"0.8\" stroke=\"#cccccc\"/>\n";
  for (std::size_t k = 0; k < labels.size(); ++k) {
    const double y = y0 + 4 + 16.0 * static_cast<double>(k);
    if (k < colours.size()) {
      svg += "<rect x=\"" + fixed(x0 + 6, 1) + "\" y=\"" + fixed(y + 3, 1) +
             "\" width=\"10\" height=\"10\" fill=\"" + escape_markup(colours[k]) + "\"/>\n";
    } else {
      svg += "<line x1=\"" + fixed(x0 + 4, 1) + "\" y1=\"" + fixed(y + 8, 1) + "\" x2=\"" +
             fixed(x0 + 18, 1) + "\" y2=\"" + fixed(y + 8, 1) +
             "\" stroke=\"#888888\" stroke-dasharray=\"4 3\"/>\n";
    }
    svg += "<text x=\"" + fixed(x0 + 22, 1) + "\" y=\"" + fixed(y + 12, 1) + "\">" +
           escape_markup(labels[k]) + "</text>\n";
  }
  svg += "</g>\n</svg>\n";
  sdk::write_file_atomically(path, svg);
}

}  // namespace neuroreg
