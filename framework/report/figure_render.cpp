#include "report/figure_render.h"

#include <stdexcept>

#include "render/gnuplot.h"

namespace neuroreg {
namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::vector<RenderedFigure> render_figures(const std::vector<PlotSpec>& specs,
                                           const std::string& gnuplot_program,
                                           std::vector<std::string>& warnings) {
  std::vector<RenderedFigure> out;
  const std::string gnuplot = find_gnuplot(gnuplot_program);
  if (gnuplot.empty() && !specs.empty()) {
    warnings.push_back("gnuplot (" + gnuplot_program + ") is not installed: the report has " +
                       "its tables but no figures; tools/setup installs it (gnuplot-nox)");
  }
  for (const auto& spec : specs) {
    RenderedFigure figure{spec, "", ""};
    if (gnuplot.empty()) {
      figure.problem = "not drawn: gnuplot is not installed (tools/setup installs gnuplot-nox)";
    } else {
      try {
        figure.svg = run_gnuplot(gnuplot, plot_script(spec), spec.name);
        if (figure.svg.find("<svg") == std::string::npos) {
          throw std::runtime_error("figure " + spec.name + ": gnuplot wrote no SVG");
        }
      } catch (const std::exception& e) {
        figure.svg.clear();
        figure.problem = std::string("not drawn: ") + e.what();
        warnings.push_back(e.what());
      }
    }
    out.push_back(std::move(figure));
  }
  return out;
}

std::string inline_svg(const std::string& svg, const std::string& id_prefix) {
  const std::size_t start = svg.find("<svg");
  std::string element = start == std::string::npos ? svg : svg.substr(start);
  for (const char* quote : {"'", "\""}) {
    replace_all(element, std::string("id=") + quote, std::string("id=") + quote + id_prefix);
    replace_all(element, std::string("href=") + quote + "#",
                std::string("href=") + quote + "#" + id_prefix);
  }
  replace_all(element, "url(#", "url(#" + id_prefix);
  return element;
}

}  // namespace neuroreg
