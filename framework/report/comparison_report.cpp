#include "report/comparison_report.h"

#include <neuroreg/sdk/atomic_file.h>

#include <filesystem>
#include <stdexcept>

#include "report/aggregate.h"
#include "report/data_tables.h"
#include "report/figures.h"
#include "report/group_tables.h"
#include "report/report_pages.h"

namespace neuroreg {

ReportFiles write_comparison_report(const std::string& dir, const std::vector<CellResult>& cells,
                                    const std::string& title, const ReportOptions& options) {
  if (cells.empty()) throw std::invalid_argument(dir + ": a report needs at least one cell");
  namespace fs = std::filesystem;
  ReportFiles files;
  auto write = [&](const std::string& name, const std::string& bytes) {
    const std::string path = (fs::path(dir) / name).string();
    sdk::write_file_atomically(path, bytes);
    files.written.push_back(path);
  };

  ReportContent content;
  content.title = title;
  content.cells = &cells;
  content.groups = aggregate_groups(cells);
  content.tables = comparison_tables(cells, content.groups);
  content.gamma_tables = gamma_tables(cells, content.groups);
  content.figures =
      render_figures(comparison_figures(cells, content.groups), options.gnuplot, files.warnings);

  write("summary.csv", summary_csv(cells));
  write("groups.csv", groups_csv(content.groups));
  for (const auto& f : content.figures) {
    if (f.problem.empty()) write("figures/" + f.spec.name + ".svg", f.svg);
  }
  write("report.md", report_markdown(content));
  write("report.html", report_html(content));
  return files;
}

}  // namespace neuroreg
