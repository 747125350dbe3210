#include "report/aggregate.h"

#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>

namespace neuroreg {

Summary summarize(const std::vector<double>& values) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  Summary s;
  double sum = 0;
  for (double v : values) {
    if (std::isfinite(v)) {
      sum += v;
      ++s.n;
    } else {
      ++s.excluded;
      if (v > 0 && std::isinf(v)) ++s.infinite;
    }
  }
  s.mean = s.n > 0 ? sum / s.n : nan;
  if (s.n < 2) {
    s.sem = nan;
    return s;
  }
  double squares = 0;
  for (double v : values) {
    if (std::isfinite(v)) squares += (v - s.mean) * (v - s.mean);
  }
  s.sem = std::sqrt(squares / (s.n - 1)) / std::sqrt(static_cast<double>(s.n));
  return s;
}

const Summary* GroupSummary::find(const std::string& metric) const {
  auto it = metrics.find(metric);
  return it == metrics.end() ? nullptr : &it->second;
}

std::vector<std::string> metric_names(const std::vector<Metrics>& per_cell) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& metrics : per_cell) {
    for (const auto& [name, value] : metrics) {
      if (seen.insert(name).second) names.push_back(name);
    }
  }
  return names;
}

std::vector<GroupSummary> aggregate_groups(const std::vector<CellResult>& cells) {
  std::vector<GroupSummary> groups;
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    auto [it, fresh] = index.try_emplace(cells[i].group, groups.size());
    if (fresh) groups.push_back(GroupSummary{cells[i].group, {}, {}, {}});
    groups[it->second].cells.push_back(i);
  }
  for (auto& g : groups) {
    std::vector<Metrics> per_cell;
    for (std::size_t i : g.cells) per_cell.push_back(cell_metrics(cells[i]));
    g.metric_order = metric_names(per_cell);
    std::map<std::string, std::vector<double>> values;
    for (const auto& metrics : per_cell) {
      for (const auto& [name, value] : metrics) values[name].push_back(value);
    }
    for (const auto& [name, list] : values) g.metrics[name] = summarize(list);
  }
  return groups;
}

}  // namespace neuroreg
