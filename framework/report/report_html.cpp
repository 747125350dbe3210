#include <absl/strings/str_format.h>

#include "report/report_pages.h"
#include "render/markup.h"

namespace neuroreg {
namespace {

// Inline, so the file opens offline exactly as written.
constexpr const char* kStyle = R"(
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f2f2f2; }
.note, figcaption { color: #555; font-size: 0.85em; max-width: 760px; }
figure { margin: 1.5em 0; }
figure svg { width: 100%; max-width: 760px; height: auto; display: block; }
.missing { border: 1px dashed #c33; color: #c33; padding: 1em; max-width: 720px; }
details { margin: 0.3em 0; }
summary { cursor: pointer; font-family: monospace; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
)";

std::string figure_html(const RenderedFigure& f, std::size_t index) {
  std::string out = "<figure id=\"" + escape_markup(f.spec.name) + "\">\n<h3>" +
                    escape_markup(f.spec.title) + "</h3>\n";
  if (f.problem.empty()) {
    out += inline_svg(f.svg, absl::StrFormat("f%d-", index)) + "\n";
  } else {
    out += "<p class=\"missing\">Figure " + escape_markup(f.spec.name) + " " +
           escape_markup(f.problem) + "</p>\n";
  }
  return out + "<figcaption>" + escape_markup(f.spec.caption) + "</figcaption>\n</figure>\n";
}

std::string cell_html(const CellResult& cell) {
  std::string grid;
  for (const auto& [axis, value] : cell.axes)
    grid += (grid.empty() ? "" : ", ") + axis + "=" + value;
  std::string out = "<details>\n<summary>" + escape_markup(cell.id) + " — group " +
                    escape_markup(cell.group) + ", seed " + std::to_string(cell.seed) +
                    (grid.empty() ? "" : ", " + escape_markup(grid)) + "</summary>\n";
  out += "<p>Training config (effective, defaults filled in):</p>\n<pre>" +
         escape_markup(cell.run.effective_config()) + "</pre>\n";
  for (const auto& r : cell.robustness) {
    if (r.effective_eval_config().empty()) continue;
    out += "<p>Robustness evaluation config:</p>\n<pre>" + escape_markup(r.effective_eval_config()) +
           "</pre>\n";
  }
  return out + "</details>\n";
}

}  // namespace

std::string report_html(const ReportContent& c) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>" + escape_markup(c.title) + "</title>\n<style>" + kStyle + "</style>\n";
  out += "</head>\n<body>\n<h1>" + escape_markup(c.title) + "</h1>\n";
  out += absl::StrFormat(
      "<p>%d cells in %d groups. Accuracies in percent; each entry is the mean ± SEM over a "
      "group's seeds. Every value per cell is in summary.csv, per group in groups.csv, the "
      "differences to the baseline in differences.csv.</p>\n",
      c.cells->size(), c.groups.size());
  out += "<h2>Results</h2>\n";
  for (const auto& t : c.tables) out += table_html(t);
  out += "<h2>Claims: differences to the baseline</h2>\n";
  if (c.differences.baseline.label.empty()) {
    out += "<p>No claims: " + escape_markup(c.differences.baseline.reason) + ".</p>\n";
  } else {
    out += "<p>Baseline: '" + escape_markup(c.differences.baseline.label) + "'. " +
           escape_markup(c.evaluation_images) + "</p>\n";
    out += table_html(c.differences_table);
  }
  if (!c.figures.empty()) out += "<h2>Figures</h2>\n";
  for (std::size_t i = 0; i < c.figures.size(); ++i) out += figure_html(c.figures[i], i);
  if (!c.gamma_tables.empty()) out += "<h2>Layer weights γ (Table 1)</h2>\n";
  for (const auto& t : c.gamma_tables) out += table_html(t);
  out += "<h2>Cells and their configs</h2>\n";
  for (const auto& cell : *c.cells) out += cell_html(cell);
  return out + "</body>\n</html>\n";
}

}  // namespace neuroreg
