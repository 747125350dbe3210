// The claims as people read them: terminal lines and the report's table.
#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>

#include <cmath>

#include "report/differences.h"

namespace neuroreg {
namespace {

constexpr const char* kFamilies =
    "clean; the σ levels; the corruption kinds; the corruption mean; the norms' medians; the "
    "norms' means";

// A signed number with a true minus sign: "+4.8", "−4.2".
std::string signed_number(double value, const char* format) {
  std::string text = absl::StrFormat(format, value);
  if (!text.empty() && text[0] == '-') text = "−" + text.substr(1);
  return text;
}

// A difference in its display unit: accuracies in points (1 or 2 decimals),
// distances to 3 significant digits.
std::string amount(const Difference& d, double value, bool precise) {
  if (d.accuracy) return signed_number(100 * value, precise ? "%+.2f" : "%+.1f");
  return signed_number(value, "%+.3g");
}

std::string p_text(double p) {
  if (std::isnan(p)) return "n/a";
  if (p > 0 && p < 0.001) return "< 0.001";
  return absl::StrFormat("%.2g", p);
}

std::string p_clause(const std::string& name, double p) {
  const std::string text = p_text(p);
  return name + (text[0] == '<' ? " " : " = ") + text;
}

std::string power_text(const Difference& d) {
  if (d.seeds_for_power > 10000) return ">10000";
  if (d.seeds_for_power >= 0) return std::to_string(d.seeds_for_power);
  return std::isnan(d.p_holm) || d.p_holm < 0.05 ? "" : "n/a";
}

std::string pairing_sentence(const Differences& ds) {
  return absl::StrFormat(
      "Each group minus the baseline '%s', paired by seed: a cell's partner is the baseline's "
      "cell with the same seed and the same value of every grid axis outside [[regularizer]]. "
      "%d cells had no partner and are left out; pairs with a non-finite value (an ∞ median) are "
      "left out too, both counted as unpaired per metric.",
      ds.baseline.label, ds.unpaired_cells);
}

}  // namespace

std::string claim_metric_name(const std::string& metric) {
  if (metric.rfind("noise/", 0) == 0) return "σ = " + metric.substr(6);
  if (metric == "corruption/mean") return "corruptions (mean)";
  if (metric.rfind("corruption/", 0) == 0) {
    return metric.substr(11, metric.size() - 11 - 5) + " (mean over severities)";
  }
  const std::size_t slash = metric.find('/');
  if (slash != std::string::npos) return metric.substr(0, slash) + " " + metric.substr(slash + 1);
  return metric;
}

std::string format_claims(const Differences& ds) {
  if (ds.baseline.label.empty()) return "No claims: " + ds.baseline.reason + ".\n";
  if (ds.rows.empty()) {
    return absl::StrFormat(
        "No claims: no group has a cell paired with the baseline '%s' (%d cells unpaired).\n",
        ds.baseline.label, ds.unpaired_cells);
  }
  std::string out = "Differences to the baseline (95 % CI with Student's t; k/n seeds agree):\n";
  for (const Difference& d : ds.rows) {
    if (d.family != "clean" && d.family != "noise σ" && d.family != "perturbation medians") continue;
    const PairedStats& s = d.stats;
    std::string line = absl::StrFormat("  %s − %s, %s: %s%s", d.group, d.baseline,
                                       claim_metric_name(d.metric), amount(d, s.mean, false),
                                       d.accuracy ? " points" : "");
    if (s.n < 2) {
      line += absl::StrFormat(", %d/%d seeds (one pair: no CI, no p)", s.agreeing, s.n);
    } else {
      line += absl::StrFormat(", 95 %% CI %s … %s, %d/%d seeds, %s (Holm %s)",
                              amount(d, s.ci_low, false), amount(d, s.ci_high, false), s.agreeing,
                              s.n, p_clause("p", s.p), p_text(d.p_holm));
    }
    if (d.unpaired > 0) line += absl::StrFormat("; %d paired, %d unpaired", s.n, d.unpaired);
    out += line + "\n";
  }
  out += absl::StrFormat(
      "Paired by seed and every grid axis outside [[regularizer]]; %d cells without a partner in "
      "any group (a claim's own count is on its line). Holm "
      "within each group's families (%s). differences.csv has every claim (corruptions, means, "
      "sign test, seeds for 80 %% power: a planning figure).\n",
      ds.unpaired_cells, kFamilies);
  return out;
}

Table differences_table(const Differences& ds) {
  Table t;
  t.title = "Differences to the baseline, paired by seed";
  t.header = {"group",   "baseline", "metric",      "difference", "95 % CI",
              "k/n seeds", "p",      "p (Holm)",    "p (sign)",   "Holm family",
              "unpaired", "seeds for 80 % power (planning)"};
  for (const Difference& d : ds.rows) {
    const PairedStats& s = d.stats;
    const std::string ci = s.n < 2 ? "n/a"
                                   : amount(d, s.ci_low, true) + " … " + amount(d, s.ci_high, true);
    t.rows.push_back({d.group, d.baseline, claim_metric_name(d.metric),
                      amount(d, s.mean, true) + (d.accuracy ? " pt" : ""), ci,
                      absl::StrFormat("%d/%d", s.agreeing, s.n), p_text(s.p), p_text(d.p_holm),
                      p_text(s.p_sign), d.family, std::to_string(d.unpaired), power_text(d)});
  }
  if (ds.baseline.label.empty()) {
    t.note = "No claims: " + ds.baseline.reason + ".";
    return t;
  }
  t.note =
      pairing_sentence(ds) +
      " Accuracies in percentage points (pt), distances in the metric's unit. 95 % CI: mean ± "
      "t(0.975, n−1)·SEM (SEM: sample SD with n−1, / √n); one pair gives the mean alone. k/n: "
      "seeds whose difference has the sign of the mean (a zero difference agrees with none). p: "
      "two-sided paired t-test (every pair equal: 0 when the difference is not 0, 1 when it is); "
      "p (Holm): Holm's correction within each group's family (" +
      std::string(kFamilies) +
      "); p (sign): exact two-sided sign test, zero differences dropped. Seeds for 80 % power: a "
      "planning figure, not a result — the seeds a paired t-test at two-sided α = 0.05 would need "
      "if the observed mean and SD were the truth (noncentral t), given only where the "
      "difference is not significant after Holm's correction; n/a without spread.";
  return t;
}

}  // namespace neuroreg
