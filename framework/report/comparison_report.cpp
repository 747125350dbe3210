#include "report/comparison_report.h"

#include <neuroreg/sdk/atomic_file.h>

#include <filesystem>
#include <stdexcept>

#include "report/aggregate.h"
#include "report/data_tables.h"
#include "report/evaluation_images.h"
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
  content.differences =
      paired_differences(cells, options.baseline ? *options.baseline : default_baseline(cells));
  content.differences_table = differences_table(content.differences);
  content.evaluation_images = evaluation_images_statement(cells);
  // The claims' forest plot first: it is what the comparison concludes.
  std::vector<PlotSpec> specs = difference_figures(content.differences);
  for (PlotSpec& spec : comparison_figures(cells, content.groups)) specs.push_back(std::move(spec));
  content.figures = render_figures(specs, options.gnuplot, files.warnings);

  write("summary.csv", summary_csv(cells));
  write("groups.csv", groups_csv(content.groups));
  write("differences.csv", differences_csv(content.differences));
  for (const auto& f : content.figures) {
    if (f.problem.empty()) write("figures/" + f.spec.name + ".svg", f.svg);
  }
  write("report.md", report_markdown(content));
  write("report.html", report_html(content));
  return files;
}

std::string comparison_text(const std::vector<CellResult>& cells, const Baseline& baseline) {
  if (cells.empty()) return format_group_table(cells);
  return format_group_table(cells) + "\n" + format_claims(paired_differences(cells, baseline)) +
         evaluation_images_statement(cells) + "\n";
}

}  // namespace neuroreg
