// The comparison report as a page: Markdown (figures linked from figures/)
// and one self-contained HTML file (figures inlined, styles inline, no
// scripts, nothing fetched), from the same content.
#pragma once

#include <string>
#include <vector>

#include "report/aggregate.h"
#include "report/cell_result.h"
#include "report/differences.h"
#include "report/figure_render.h"
#include "report/table.h"

namespace neuroreg {

struct ReportContent {
  std::string title;
  const std::vector<CellResult>* cells = nullptr;
  std::vector<GroupSummary> groups;
  std::vector<Table> tables;
  std::vector<Table> gamma_tables;  ///< Table 1, one per group with γ
  Differences differences;          ///< the claims: differences to the baseline
  Table differences_table;
  std::string evaluation_images;    ///< whether every cell saw the same test images
  std::vector<RenderedFigure> figures;
};

/// Figures as ![title](figures/<name>.svg) with their captions.
std::string report_markdown(const ReportContent& content);

/// Tables, the figures' SVG inline, and each cell's effective config (and
/// evaluation config) in a collapsible <details>.
std::string report_html(const ReportContent& content);

}  // namespace neuroreg
