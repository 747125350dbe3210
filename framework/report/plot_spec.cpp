#include "report/plot_spec.h"

#include <absl/strings/str_format.h>

#include <cctype>
#include <cmath>

#include "report/csv.h"
#include "render/gnuplot.h"

namespace neuroreg {
namespace {

// Okabe & Ito's palette, told apart with the common colour-vision
// deficiencies; yellow last, as it is faint on white.
constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                    "#56B4E9", "#D55E00", "#000000", "#F0E442"};
constexpr int kPaletteSize = sizeof kPalette / sizeof kPalette[0];
// Point shapes (filled circle, square, diamond, triangles, pentagon) so that
// series stay apart in greyscale prints too.
constexpr int kPointTypes[] = {7, 5, 13, 9, 11, 15};
constexpr int kPointTypeCount = sizeof kPointTypes / sizeof kPointTypes[0];

std::string value(double v) { return std::isfinite(v) ? csv_number(v) : "NaN"; }

std::string range(double lo, double hi) {
  return absl::StrFormat("[%s:%s]", std::isnan(lo) ? "*" : value(lo),
                         std::isnan(hi) ? "*" : value(hi));
}

}  // namespace

std::string file_stem(const std::string& text) {
  std::string out;
  for (unsigned char c : text) out += std::isalnum(c) || c == '-' || c == '_' ? char(c) : '_';
  return out.empty() ? "_" : out;
}

std::string plot_script(const PlotSpec& spec) {
  std::string s;
  s += absl::StrFormat(
      "set terminal svg size %d,%d dynamic noenhanced font 'sans,12' background rgb 'white'\n",
      spec.width, spec.height);
  s += "set encoding utf8\nset output\n";
  s += "set title " + gnuplot_quote(spec.title) + "\n";
  s += "set xlabel " + gnuplot_quote(spec.x_label) + "\n";
  s += "set ylabel " + gnuplot_quote(spec.y_label) + "\n";
  s += "set grid lc rgb '#dddddd'\nset border 3\nset tics nomirror\n";
  s += "set key outside right top vertical Left reverse noautotitle\n";
  if (spec.log_x) s += "set logscale x\n";
  s += "set xrange " + range(spec.x_min, spec.x_max) + "\n";
  // A little room left and right of autoscaled data, so the error bars and
  // points at the ends are not cut by the border.
  if (std::isnan(spec.x_min) && std::isnan(spec.x_max)) {
    s += "set autoscale xfix\nset offsets graph 0.03, graph 0.03, 0, 0\n";
  }
  if (!std::isnan(spec.x_tic_step)) s += "set xtics " + value(spec.x_tic_step) + "\n";
  if (!spec.x_categories.empty()) {
    s += "set xtics rotate by -30 left (";
    for (std::size_t k = 0; k < spec.x_categories.size(); ++k) {
      s += (k ? ", " : "") + gnuplot_quote(spec.x_categories[k]) + " " + std::to_string(k + 1);
    }
    s += ")\nset grid noxtics\n";
  }
  if (spec.zero_line) s += "set xzeroaxis lt 1 lc rgb '#444444' lw 1.5\n";
  s += "set yrange " + range(spec.y_min, spec.y_max) + "\n";

  std::vector<std::string> plots;
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    const PlotSeries& p = spec.series[i];
    const int colour = p.colour >= 0 ? p.colour : static_cast<int>(i);
    // Past the palette, lines repeat its colours dashed.
    const std::string style = absl::StrFormat(
        "lc rgb '%s' dt %d lw 2", kPalette[colour % kPaletteSize], 1 + colour / kPaletteSize);
    s += absl::StrFormat("$line%d << EOD\n", i);
    for (std::size_t k = 0; k < p.x.size(); ++k) {
      s += value(p.x[k]) + " " + value(p.y[k]) + "\n";
    }
    s += "EOD\n";
    const std::string points =
        absl::StrFormat("pt %d ps 0.8", kPointTypes[colour % kPointTypeCount]);
    const std::string line =
        absl::StrFormat("$line%d using 1:2 with %s %s title %s", i,
                        p.steps         ? "steps"
                        : p.points_only ? "points " + points
                                        : "linespoints " + points,
                        style, gnuplot_quote(p.name));

    bool any_bar = false;
    std::string bars = absl::StrFormat("$bars%d << EOD\n", i);
    for (std::size_t k = 0; k < p.error.size() && k < p.x.size(); ++k) {
      if (!std::isfinite(p.error[k]) || !std::isfinite(p.y[k])) continue;
      bars += value(p.x[k]) + " " + value(p.y[k]) + " " + value(p.error[k]) + "\n";
      any_bar = true;
    }
    // Bars first, so the line's markers sit on top of them; the same marker
    // for the bars (gnuplot's "no point" leaves a white hole in SVG).
    if (any_bar) {
      s += bars + "EOD\n";
      plots.push_back(
          absl::StrFormat("$bars%d using 1:2:3 with yerrorbars %s %s notitle", i, points, style));
    }
    plots.push_back(line);
  }
  if (plots.empty()) {
    // Nothing to draw still makes a titled, labelled frame.
    s += "set key off\nset xrange [0:1]\nset yrange [0:1]\nplot NaN notitle\n";
    return s;
  }
  s += "plot ";
  for (std::size_t i = 0; i < plots.size(); ++i) s += (i ? ", \\\n     " : "") + plots[i];
  return s + "\n";
}

}  // namespace neuroreg
