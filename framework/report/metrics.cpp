#include "report/metrics.h"

#include <absl/strings/str_format.h>

#include <map>

#include "record/record_io.h"

namespace neuroreg {

std::string format_sigma(double sigma) { return absl::StrFormat("%g", sigma); }

std::string noise_metric(double sigma) { return "noise/" + format_sigma(sigma); }

std::string norm_metric(const std::string& norm, const std::string& statistic) {
  return norm + "/" + statistic;
}

std::string epoch_metric(int epoch, const std::string& field) {
  return absl::StrFormat("epoch/%d/%s", epoch, field);
}

std::vector<double> cell_sigmas(const CellResult& cell) {
  std::vector<double> sigmas;
  if (!cell.robustness.empty()) {
    for (const auto& n : cell.robustness.front().noise()) sigmas.push_back(n.sigma());
  } else {
    for (const auto& n : cell.run.evaluation().noise()) sigmas.push_back(n.sigma());
  }
  return sigmas;
}

namespace {

void add_accuracy(const CellResult& cell, Metrics& out) {
  if (!cell.robustness.empty()) {
    const auto& r = cell.robustness.front();
    out.emplace_back("clean", r.clean_accuracy());
    for (const auto& n : r.noise()) out.emplace_back(noise_metric(n.sigma()), n.accuracy());
  } else if (cell.run.has_evaluation()) {
    const auto& e = cell.run.evaluation();
    out.emplace_back("clean", e.clean_accuracy());
    for (const auto& n : e.noise()) out.emplace_back(noise_metric(n.sigma()), n.accuracy());
  }
}

void add_corruptions(const record::RobustnessRecord& r, Metrics& out) {
  if (r.corruptions_size() == 0) return;
  // Per name in first-seen order, so the columns follow the record.
  std::vector<std::string> names;
  std::map<std::string, std::pair<double, int>> per_name;
  double total = 0;
  for (const auto& c : r.corruptions()) {
    out.emplace_back(absl::StrFormat("corruption/%s/%d", c.name(), c.severity()), c.accuracy());
    auto [it, fresh] = per_name.try_emplace(c.name(), 0.0, 0);
    if (fresh) names.push_back(c.name());
    it->second.first += c.accuracy();
    it->second.second += 1;
    total += c.accuracy();
  }
  for (const auto& name : names) {
    const auto& [sum, count] = per_name[name];
    out.emplace_back("corruption/" + name + "/mean", sum / count);
  }
  out.emplace_back("corruption/mean", total / r.corruptions_size());
}

void add_norms(const record::RobustnessRecord& r, Metrics& out) {
  for (const auto& n : r.norms()) {
    out.emplace_back(norm_metric(n.norm(), "median"), n.median());
    out.emplace_back(norm_metric(n.norm(), "mean"), n.mean());
    out.emplace_back(norm_metric(n.norm(), "success_rate"), n.success_rate());
  }
}

void add_epochs(const record::RunRecord& run, Metrics& out) {
  for (const auto& e : run.epochs()) {
    const int k = e.epoch();
    out.emplace_back(epoch_metric(k, "loss"), e.loss());
    out.emplace_back(epoch_metric(k, "task_loss"), e.task_loss());
    out.emplace_back(epoch_metric(k, "regularizer_loss"), e.regularizer_loss());
    out.emplace_back(epoch_metric(k, "train_accuracy"), e.train_accuracy());
    if (e.has_validation()) {
      out.emplace_back(epoch_metric(k, "validation_accuracy"), e.validation_accuracy());
    }
    out.emplace_back(epoch_metric(k, "learning_rate"), e.learning_rate());
    out.emplace_back(epoch_metric(k, "images_per_second"), e.images_per_second());
    for (const auto& [key, value] : sorted_diagnostics(e.diagnostics())) {
      out.emplace_back(epoch_metric(k, key), value);
    }
  }
}

}  // namespace

Metrics cell_metrics(const CellResult& cell) {
  Metrics out;
  add_accuracy(cell, out);
  if (!cell.robustness.empty()) {
    add_corruptions(cell.robustness.front(), out);
    add_norms(cell.robustness.front(), out);
  }
  add_epochs(cell.run, out);
  out.emplace_back("wall_seconds", cell.run.wall_seconds());
  return out;
}

}  // namespace neuroreg
