#include "report/data_tables.h"

#include <map>
#include <set>

#include "report/csv.h"

namespace neuroreg {

std::string summary_csv(const std::vector<CellResult>& cells) {
  std::vector<std::string> axes;
  std::set<std::string> seen_axes;
  std::vector<Metrics> per_cell;
  for (const auto& cell : cells) {
    for (const auto& [axis, value] : cell.axes) {
      if (seen_axes.insert(axis).second) axes.push_back(axis);
    }
    per_cell.push_back(cell_metrics(cell));
  }
  const std::vector<std::string> metrics = metric_names(per_cell);

  std::vector<std::string> header = {"id", "label", "group", "seed"};
  header.insert(header.end(), axes.begin(), axes.end());
  header.insert(header.end(), metrics.begin(), metrics.end());
  std::string out = csv_row(header);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const CellResult& cell = cells[i];
    std::vector<std::string> row = {cell.id, cell.label, cell.group, std::to_string(cell.seed)};
    std::map<std::string, std::string> axis_values(cell.axes.begin(), cell.axes.end());
    for (const auto& axis : axes) row.push_back(axis_values[axis]);
    std::map<std::string, double> values(per_cell[i].begin(), per_cell[i].end());
    for (const auto& metric : metrics) {
      auto it = values.find(metric);
      row.push_back(it == values.end() ? "" : csv_number(it->second));
    }
    out += csv_row(row);
  }
  return out;
}

std::string groups_csv(const std::vector<GroupSummary>& groups) {
  std::string out = csv_row({"group", "metric", "mean", "sem", "n", "excluded"});
  for (const auto& g : groups) {
    for (const auto& metric : g.metric_order) {
      const Summary& s = g.metrics.at(metric);
      out += csv_row({g.group, metric, csv_number(s.mean), csv_number(s.sem), std::to_string(s.n),
                      std::to_string(s.excluded)});
    }
  }
  return out;
}

}  // namespace neuroreg
