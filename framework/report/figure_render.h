// Figures drawn by gnuplot as SVG, or why they could not be.
#pragma once

#include <string>
#include <vector>

#include "report/plot_spec.h"

namespace neuroreg {

struct RenderedFigure {
  PlotSpec spec;
  std::string svg;      ///< gnuplot's SVG document; empty when not drawn
  std::string problem;  ///< why not drawn (gnuplot missing or failed); empty when drawn
};

/// Draws each figure with the gnuplot found for `gnuplot_program` (see
/// find_gnuplot). Without gnuplot nothing is drawn and one warning says to
/// run tools/setup; a figure gnuplot fails on is left undrawn with a warning
/// naming it and gnuplot's message. Warnings are appended to `warnings`.
std::vector<RenderedFigure> render_figures(const std::vector<PlotSpec>& specs,
                                           const std::string& gnuplot_program,
                                           std::vector<std::string>& warnings);

/// An SVG document as an element to inline into HTML: the XML prolog
/// dropped and every id (and reference to one) prefixed with `id_prefix`,
/// since gnuplot names its markers alike in every file and ids must be
/// unique within a page.
std::string inline_svg(const std::string& svg, const std::string& id_prefix);

}  // namespace neuroreg
