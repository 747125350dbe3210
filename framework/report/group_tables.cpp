#include "report/group_tables.h"

#include <absl/strings/str_format.h>

#include "report/measured.h"
#include "report/metrics.h"

namespace neuroreg {
namespace {

constexpr double kPercent = 100;

std::string percent(const GroupSummary& g, const std::string& metric) {
  return format_mean_sem(g.find(metric), kPercent, 2);
}

std::string distance(const GroupSummary& g, const std::string& metric) {
  return format_mean_sem(g.find(metric), 1, 4, /*significant=*/true);
}

std::string sigma_header(double sigma) { return "σ=" + format_sigma(sigma); }

constexpr const char* kSemNote =
    "mean ± SEM over seeds (sample SD with n−1, / √n); n = 1: no SEM; (+k ∞): k seeds had an "
    "infinite value, left out of mean and SEM.";

}  // namespace

Table group_overview_table(const std::vector<CellResult>& cells,
                           const std::vector<GroupSummary>& groups) {
  const auto sigmas = measured_sigmas(cells);
  const auto norms = measured_norms(cells);
  Table t;
  t.header = {"group", "n", "clean %"};
  for (double s : sigmas) t.header.push_back(sigma_header(s) + " %");
  for (const auto& norm : norms) t.header.push_back(norm + " median");
  for (const auto& g : groups) {
    std::vector<std::string> row = {g.group, std::to_string(g.cells.size()), percent(g, "clean")};
    for (double s : sigmas) row.push_back(percent(g, noise_metric(s)));
    for (const auto& norm : norms) row.push_back(distance(g, norm_metric(norm, "median")));
    t.rows.push_back(std::move(row));
  }
  t.note = kSemNote;
  return t;
}

std::string format_group_table(const std::vector<CellResult>& cells) {
  if (cells.empty()) return "(no cells)\n";
  return table_text(group_overview_table(cells, aggregate_groups(cells)));
}

std::vector<Table> comparison_tables(const std::vector<CellResult>& cells,
                                     const std::vector<GroupSummary>& groups) {
  std::vector<Table> tables;
  const auto sigmas = measured_sigmas(cells);
  const auto corruptions = measured_corruptions(cells);

  Table accuracy{"Accuracy (%)", {"group", "n", "clean"}, {}, kSemNote};
  for (double s : sigmas) accuracy.header.push_back(sigma_header(s));
  if (!corruptions.empty()) accuracy.header.push_back("corruptions (mean)");
  for (const auto& g : groups) {
    std::vector<std::string> row = {g.group, std::to_string(g.cells.size()), percent(g, "clean")};
    for (double s : sigmas) row.push_back(percent(g, noise_metric(s)));
    if (!corruptions.empty()) row.push_back(percent(g, "corruption/mean"));
    accuracy.rows.push_back(std::move(row));
  }
  tables.push_back(std::move(accuracy));

  const auto norms = measured_norms(cells);
  if (!norms.empty()) {
    Table t{"Minimal adversarial perturbation per sample",
            {"group", "n"},
            {},
            "median over samples (∞ when under half have an adversarial), mean over samples "
            "with one, success = samples with an adversarial (%); then mean ± SEM over seeds."};
    for (const auto& norm : norms) {
      for (const char* stat : {"median", "mean", "success %"}) {
        t.header.push_back(norm + " " + stat);
      }
    }
    for (const auto& g : groups) {
      std::vector<std::string> row = {g.group, std::to_string(g.cells.size())};
      for (const auto& norm : norms) {
        row.push_back(distance(g, norm_metric(norm, "median")));
        row.push_back(distance(g, norm_metric(norm, "mean")));
        row.push_back(percent(g, norm_metric(norm, "success_rate")));
      }
      t.rows.push_back(std::move(row));
    }
    tables.push_back(std::move(t));
  }

  if (!corruptions.empty()) {
    Table t{"Corruptions: accuracy (%), mean over severities", {"group", "n"}, {}, kSemNote};
    for (const auto& name : corruptions) t.header.push_back(name);
    for (const auto& g : groups) {
      std::vector<std::string> row = {g.group, std::to_string(g.cells.size())};
      for (const auto& name : corruptions)
        row.push_back(percent(g, "corruption/" + name + "/mean"));
      t.rows.push_back(std::move(row));
    }
    tables.push_back(std::move(t));
  }

  const int epochs = measured_epochs(cells);
  if (epochs > 0) {
    const bool validation = any_validation(cells);
    Table t{absl::StrFormat("Training, epoch %d", epochs),
            {"group", "n", "loss", "train accuracy %"},
            {},
            kSemNote};
    if (validation) t.header.push_back("validation accuracy %");
    t.header.push_back("wall time (s)");
    for (const auto& g : groups) {
      std::vector<std::string> row = {
          g.group, std::to_string(g.cells.size()),
          format_mean_sem(g.find(epoch_metric(epochs, "loss")), 1, 4, true),
          percent(g, epoch_metric(epochs, "train_accuracy"))};
      if (validation) row.push_back(percent(g, epoch_metric(epochs, "validation_accuracy")));
      row.push_back(format_mean_sem(g.find("wall_seconds"), 1, 1));
      t.rows.push_back(std::move(row));
    }
    tables.push_back(std::move(t));
  }
  return tables;
}

std::vector<Table> gamma_tables(const std::vector<CellResult>& cells,
                                const std::vector<GroupSummary>& groups) {
  const auto keys = measured_gamma_keys(cells);
  const int epochs = measured_epochs(cells);
  std::vector<Table> tables;
  for (const auto& g : groups) {
    Table t{"Table 1: layer weights γ, " + g.group, {"epoch"}, {}, kSemNote};
    bool any = false;
    for (const auto& key : keys) t.header.push_back(key.substr(6));  // past "gamma/"
    for (int e = 1; e <= epochs; ++e) {
      std::vector<std::string> row = {std::to_string(e)};
      for (const auto& key : keys) {
        const Summary* s = g.find(epoch_metric(e, key));
        any = any || s != nullptr;
        row.push_back(format_mean_sem(s, 1, 3));
      }
      t.rows.push_back(std::move(row));
    }
    if (any) tables.push_back(std::move(t));
  }
  return tables;
}

}  // namespace neuroreg
