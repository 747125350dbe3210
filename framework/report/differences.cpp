#include "report/differences.h"

#include <absl/strings/match.h>
#include <absl/strings/str_join.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "report/csv.h"
#include "report/metrics.h"

namespace neuroreg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kPowerCap = 10000;
constexpr double kAlpha = 0.05;

std::string label_of(const CellResult& cell) {
  return cell.regularizer_label.empty() ? cell.run.regularizer() : cell.regularizer_label;
}

// What must match besides the seed: every grid axis outside [[regularizer]].
std::string pairing_key(const CellResult& cell) {
  std::string key;
  for (const auto& [path, value] : cell.axes) {
    if (absl::StartsWith(path, "regularizer") || path == "run.seed") continue;
    key += path + "=" + value + "\n";
  }
  return key;
}

bool is_accuracy(const std::string& metric) {
  return metric == "clean" || absl::StartsWith(metric, "noise/") ||
         absl::StartsWith(metric, "corruption/");
}

using Values = std::map<std::string, double>;

Values metric_values(const CellResult& cell) {
  Values values;
  for (const auto& [name, value] : cell_metrics(cell)) values.emplace(name, value);
  return values;
}

}  // namespace

std::string metric_family(const std::string& metric) {
  if (metric == "clean") return "clean";
  if (absl::StartsWith(metric, "noise/")) return "noise σ";
  if (metric == "corruption/mean") return "corruption mean";
  if (absl::StartsWith(metric, "corruption/")) {
    // corruption/<name>/mean; per-severity accuracies are no claims.
    return absl::EndsWith(metric, "/mean") ? "corruption kinds" : "";
  }
  if (absl::StartsWith(metric, "epoch/") || metric == "wall_seconds") return "";
  if (absl::EndsWith(metric, "/median")) return "perturbation medians";
  if (absl::EndsWith(metric, "/mean")) return "perturbation means";
  return "";
}

Baseline default_baseline(const std::vector<std::pair<std::string, std::string>>& regularizers) {
  std::vector<std::string> none;
  for (const auto& [label, plugin] : regularizers) {
    if (plugin == "none" && std::find(none.begin(), none.end(), label) == none.end())
      none.push_back(label);
  }
  if (none.size() == 1) return {none.front(), ""};
  if (none.empty()) {
    return {"", "no baseline: no [[regularizer]] is `none` and [compare] baseline is not set"};
  }
  return {"", "no baseline: " + std::to_string(none.size()) +
                  " [[regularizer]] entries are `none` (" + absl::StrJoin(none, ", ") +
                  ") and [compare] baseline does not pick one"};
}

Baseline default_baseline(const std::vector<CellResult>& cells) {
  std::vector<std::pair<std::string, std::string>> regularizers;
  for (const auto& cell : cells) regularizers.emplace_back(label_of(cell), cell.run.regularizer());
  return default_baseline(regularizers);
}

namespace {

// The cells on each side: the baseline's by (pairing key, seed); the others
// by group, the groups in order of their first cell.
struct Sides {
  std::map<std::pair<std::string, int64_t>, std::size_t> partner_of;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::size_t>> members;
};

Sides split_sides(const std::vector<CellResult>& cells, const std::string& baseline) {
  Sides sides;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (label_of(cells[i]) == baseline || cells[i].group == baseline) {
      sides.partner_of.emplace(std::make_pair(pairing_key(cells[i]), cells[i].seed), i);
      continue;
    }
    if (!sides.members.count(cells[i].group)) sides.groups.push_back(cells[i].group);
    sides.members[cells[i].group].push_back(i);
  }
  return sides;
}

// One group's pairs: (its cell, the baseline's), and the baseline group its
// partners belong to (one: a group's cells share their axes).
struct GroupPairs {
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  std::string baseline_group;
  int cells_without_partner = 0;  ///< the group's own
  int no_partner = 0;             ///< those, and the baseline group's seeds the group lacks
};

GroupPairs pair_group(const std::vector<CellResult>& cells, const Sides& sides,
                      const std::string& group) {
  GroupPairs g;
  for (std::size_t i : sides.members.at(group)) {
    auto it = sides.partner_of.find({pairing_key(cells[i]), cells[i].seed});
    if (it == sides.partner_of.end()) {
      ++g.cells_without_partner;
      continue;
    }
    g.pairs.emplace_back(i, it->second);
    g.baseline_group = cells[it->second].group;
  }
  g.no_partner = g.cells_without_partner;
  // Baseline cells of that group whose seed this group lacks.
  std::set<int64_t> seeds;
  for (const auto& [mine, theirs] : g.pairs) seeds.insert(cells[theirs].seed);
  for (const auto& [key, b] : sides.partner_of) {
    if (cells[b].group == g.baseline_group && !seeds.count(cells[b].seed)) ++g.no_partner;
  }
  return g;
}

// The claim metrics of the group's cells, in record order.
std::vector<std::string> claim_metrics(const std::vector<CellResult>& cells, const GroupPairs& g) {
  std::vector<std::string> metrics;
  std::set<std::string> seen;
  for (const auto& [mine, theirs] : g.pairs) {
    for (const auto& [name, value] : cell_metrics(cells[mine])) {
      if (!metric_family(name).empty() && seen.insert(name).second) metrics.push_back(name);
    }
  }
  return metrics;
}

// The group's difference in `metric` over its finite pairs; none when there
// is no such pair (n = 0).
std::optional<Difference> difference_row(const std::vector<Values>& values, const GroupPairs& g,
                                         const std::string& group, const std::string& metric) {
  std::vector<double> d;
  int left_out = g.no_partner;
  for (const auto& [mine, theirs] : g.pairs) {
    auto a = values[mine].find(metric), b = values[theirs].find(metric);
    const double diff =
        a == values[mine].end() || b == values[theirs].end() ? kNaN : a->second - b->second;
    if (std::isfinite(diff)) {
      d.push_back(diff);
    } else {
      ++left_out;
    }
  }
  if (d.empty()) return std::nullopt;
  Difference row;
  row.group = group;
  row.baseline = g.baseline_group;
  row.metric = metric;
  row.family = metric_family(metric);
  row.accuracy = is_accuracy(metric);
  row.stats = paired_stats(d);
  row.unpaired = left_out;
  return row;
}

// Holm's correction within each family of rows[first..], and the seeds for
// power where the difference is not significant after it.
void holm_within_families(std::vector<Difference>& rows, std::size_t first) {
  std::map<std::string, std::vector<std::size_t>> families;
  for (std::size_t r = first; r < rows.size(); ++r) families[rows[r].family].push_back(r);
  for (const auto& [family, members] : families) {
    std::vector<double> p;
    for (std::size_t r : members) p.push_back(rows[r].stats.p);
    const std::vector<double> adjusted = holm_adjust(p);
    for (std::size_t k = 0; k < members.size(); ++k) {
      Difference& row = rows[members[k]];
      row.p_holm = adjusted[k];
      if (!(row.p_holm < kAlpha)) {
        row.seeds_for_power = seeds_for_power(row.stats.mean, row.stats.sd, kAlpha, 0.8, kPowerCap);
      }
    }
  }
}

}  // namespace

Differences paired_differences(const std::vector<CellResult>& cells, const Baseline& baseline) {
  Differences out;
  out.baseline = baseline;
  if (baseline.label.empty()) return out;

  std::vector<Values> values;
  for (const auto& cell : cells) values.push_back(metric_values(cell));
  const Sides sides = split_sides(cells, baseline.label);
  out.compared_groups = static_cast<int>(sides.groups.size());
  std::set<std::size_t> paired_baseline_cells;
  for (const std::string& group : sides.groups) {
    const GroupPairs g = pair_group(cells, sides, group);
    out.unpaired_cells += g.cells_without_partner;
    for (const auto& [mine, theirs] : g.pairs) paired_baseline_cells.insert(theirs);
    if (g.pairs.empty()) continue;
    const std::size_t first = out.rows.size();
    for (const std::string& metric : claim_metrics(cells, g)) {
      std::optional<Difference> row = difference_row(values, g, group, metric);
      if (row) out.rows.push_back(std::move(*row));
    }
    holm_within_families(out.rows, first);
  }
  // Baseline cells no group paired with (a seed or axis value no other group has).
  for (const auto& [key, b] : sides.partner_of) {
    if (!paired_baseline_cells.count(b)) ++out.unpaired_cells;
  }
  return out;
}

std::string differences_csv(const Differences& differences) {
  std::string out =
      csv_row({"group", "baseline", "metric", "mean", "sem", "ci_low", "ci_high", "k", "n", "p",
               "p_holm", "p_sign", "family", "unpaired", "seeds_for_80_power"});
  for (const Difference& r : differences.rows) {
    const PairedStats& s = r.stats;
    std::string power;
    if (r.seeds_for_power > kPowerCap) {
      power = ">" + std::to_string(kPowerCap);
    } else if (r.seeds_for_power >= 0) {
      power = std::to_string(r.seeds_for_power);
    }
    out += csv_row({r.group, r.baseline, r.metric, csv_number(s.mean), csv_number(s.sem),
                    csv_number(s.ci_low), csv_number(s.ci_high), std::to_string(s.agreeing),
                    std::to_string(s.n), csv_number(s.p), csv_number(r.p_holm),
                    csv_number(s.p_sign), r.family, std::to_string(r.unpaired), power});
  }
  return out;
}

}  // namespace neuroreg
