#include "neural/scatter_svg.h"

#include <neuroreg/sdk/atomic_file.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "render/markup.h"

namespace neuroreg {
namespace {

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

// Where the plot area lies in the picture and the data ranges it shows.
Frame plot_frame(const std::vector<ScatterSeries>& series, const ScatterAxes& axes,
                 const std::string& path) {
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
  return Frame{left,
               right,
               top,
               bottom,
               fit_range(xs, {axes.x_min, axes.x_max}, "x", path),
               fit_range(ys, {axes.y_min, axes.y_max}, "y", path)};
}

// The document up to the plot: the <svg> element, a white background and the
// clip path that keeps the points inside the plot area.
std::string svg_start(const Frame& f, const ScatterAxes& axes) {
  const std::string w = std::to_string(axes.width), h = std::to_string(axes.height);
  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h +
         "\" viewBox=\"0 0 " + w + " " + h + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<defs><clipPath id=\"plot-area\"><rect x=\"" + fixed(f.left, 1) + "\" y=\"" +
         fixed(f.top, 1) + "\" width=\"" + fixed(f.right - f.left, 1) + "\" height=\"" +
         fixed(f.bottom - f.top, 1) + "\"/></clipPath></defs>\n";
  return svg;
}

// A series' legend entry: its name, and how many of its points are drawn
// when not all are.
std::string legend_label(const ScatterSeries& s, std::size_t drawn) {
  return drawn < s.x.size() ? s.name + " (" + std::to_string(drawn) + " of " +
                                  std::to_string(s.x.size()) + " shown)"
                            : s.name;
}

// One group of circles a series; returns each series' colour.
std::vector<std::string> draw_series(std::string& svg, const std::vector<ScatterSeries>& series,
                                     const ScatterAxes& axes, const Frame& f,
                                     std::vector<std::string>& labels) {
  std::vector<std::string> colours;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const ScatterSeries& s = series[k];
    const std::vector<std::size_t> drawn = points_to_draw(s, axes.max_points);
    colours.push_back(s.colour.empty() ? palette_colour(k) : s.colour);
    labels.push_back(legend_label(s, drawn.size()));
    svg += "<g class=\"series\" fill=\"" + escape_markup(colours.back()) +
           "\" fill-opacity=\"0.35\" stroke=\"none\" clip-path=\"url(#plot-area)\">\n";
    for (const std::size_t i : drawn) {
      svg += "<circle cx=\"" + fixed(f.px(s.x[i]), 2) + "\" cy=\"" + fixed(f.py(s.y[i]), 2) +
             "\" r=\"2\"/>\n";
    }
    svg += "</g>\n";
  }
  return colours;
}

// The legend in the top left corner of the plot, over a translucent box: a
// colour swatch for each of the first colours.size() labels, a dashed line
// (the diagonal) for any after them.
void draw_legend(std::string& svg, const Frame& f, const std::vector<std::string>& labels,
                 const std::vector<std::string>& colours) {
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
  svg += "</g>\n";
}

}  // namespace

void write_scatter_svg(const std::vector<ScatterSeries>& series, const ScatterAxes& axes,
                       const std::string& path) {
  check_scatter(series, axes, path);
  const Frame f = plot_frame(series, axes, path);
  std::string svg = svg_start(f, axes);
  draw_axes(svg, f, axes);
  if (axes.diagonal) draw_diagonal(svg, f);
  std::vector<std::string> labels;
  const std::vector<std::string> colours = draw_series(svg, series, axes, f, labels);
  if (axes.diagonal) labels.push_back("y = x");
  draw_legend(svg, f, labels, colours);
  svg += "</svg>\n";
  sdk::write_file_atomically(path, svg);
}

}  // namespace neuroreg
