#include <absl/strings/str_format.h>

#include "report/report_pages.h"

namespace neuroreg {

std::string report_markdown(const ReportContent& c) {
  std::string out = "# " + c.title + "\n\n";
  out += absl::StrFormat(
      "%d cells in %d groups. Accuracies in percent; each entry is the mean ± SEM over a "
      "group's seeds. Every value per cell is in summary.csv, per group in groups.csv, the "
      "differences to the baseline in differences.csv.\n\n",
      c.cells->size(), c.groups.size());
  for (const auto& t : c.tables) out += table_markdown(t);
  out += "## Claims: differences to the baseline\n\n";
  if (c.differences.baseline.label.empty()) {
    out += "No claims: " + c.differences.baseline.reason + ".\n\n";
  } else {
    out += "Baseline: '" + c.differences.baseline.label + "'. " + c.evaluation_images + "\n\n";
    out += table_markdown(c.differences_table);
  }
  if (!c.figures.empty()) out += "## Figures\n\n";
  for (const auto& f : c.figures) {
    out += "### " + f.spec.title + "\n\n";
    if (f.problem.empty()) {
      out += "![" + f.spec.title + "](figures/" + f.spec.name + ".svg)\n\n";
    } else {
      out += "*Figure " + f.spec.name + " " + f.problem + "*\n\n";
    }
    out += "*" + f.spec.caption + "*\n\n";
  }
  if (!c.gamma_tables.empty()) out += "## Layer weights γ\n\n";
  for (const auto& t : c.gamma_tables) out += table_markdown(t);
  Table cells{"Cells",
              {"id", "label", "group", "seed", "grid"},
              {},
              "Effective configs: report.html, or each cell's record."};
  for (const auto& cell : *c.cells) {
    std::string grid;
    for (const auto& [axis, value] : cell.axes)
      grid += (grid.empty() ? "" : ", ") + axis + "=" + value;
    cells.rows.push_back({cell.id, cell.label, cell.group, std::to_string(cell.seed), grid});
  }
  out += "## Cells\n\n" + table_markdown(cells);
  return out;
}

}  // namespace neuroreg
