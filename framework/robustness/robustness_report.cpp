#include "robustness/robustness_report.h"

#include <absl/strings/str_format.h>
#include <neuroreg/sdk/atomic_file.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include "record/checksum.h"
#include "record/record_io.h"

namespace neuroreg {

void write_robustness_record(const std::string& path, const record::RobustnessRecord& record) {
  record::RobustnessRecord unchecked = record;
  unchecked.clear_checksum();
  sdk::write_file_atomically(
      path,
      serialize_with_checksum(unchecked, record::RobustnessRecord::kChecksumFieldNumber, path));
}

record::RobustnessRecord read_robustness_record(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw std::runtime_error(path + ": cannot open robustness record");
  }
  const std::string bytes = read_file_bytes(path);
  record::RobustnessRecord record;
  if (!record.ParseFromString(bytes)) {
    throw std::runtime_error(path + ": not a NeuroReg robustness record (protobuf parse failed)");
  }
  if (!record.has_versions() || record.started_at().empty()) {
    throw std::runtime_error(
        path + ": not a NeuroReg robustness record (empty, or no versions and start time)");
  }
  check_record_checksum(path, bytes, record.versions(),
                        record::RobustnessRecord::kChecksumFieldNumber);
  record.clear_checksum();  // a property of the file, not of the run
  return record;
}

namespace {

std::string distance(double d) { return std::isinf(d) ? "inf" : absl::StrFormat("%.4g", d); }

}  // namespace

std::string three_significant_digits(double value) {
  if (!std::isfinite(value)) return absl::StrFormat("%g", value);
  if (value == 0) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(std::abs(value))));
  const int decimals = std::max(0, 2 - magnitude);
  // Rounding can carry into one more digit (9.996 → "10.00"): one decimal less.
  const double scale = std::pow(10.0, decimals);
  const bool carries = std::abs(std::round(value * scale) / scale) >= std::pow(10.0, magnitude + 1);
  return absl::StrFormat("%.*f", decimals > 0 && carries ? decimals - 1 : decimals, value);
}

std::string format_robustness(const record::RobustnessRecord& r) {
  std::string out = absl::StrFormat("%s (%s)\n", r.label(), r.run());
  out += absl::StrFormat("  clean accuracy %.2f%% on %d test images\n", 100 * r.clean_accuracy(),
                         r.test_images());
  for (const auto& n : r.noise()) {
    out += absl::StrFormat("  Gaussian noise σ=%-5g %6.2f%%\n", n.sigma(), 100 * n.accuracy());
  }
  if (r.corruptions_size() > 0) {
    out += "  corruptions (accuracy by severity):\n";
    std::string current;
    for (const auto& c : r.corruptions()) {
      if (c.name() != current) {
        out += absl::StrFormat("%s    %-18s", current.empty() ? "" : "\n", c.name());
        current = c.name();
      }
      out += absl::StrFormat(" %6.2f%%", 100 * c.accuracy());
    }
    out += "\n";
  }
  if (r.attacks_size() == 0) return out;
  out += absl::StrFormat("  attacks on %d samples, %.2f%% classified correctly:\n",
                         r.samples_size(), 100 * r.samples_clean_accuracy());
  out +=
      absl::StrFormat("    %-34s %-5s %-8s %7s %10s %9s %9s %9s %9s\n", "attack", "norm", "access",
                      "found", "median", "images/s", "restarts", "rejected", "clipped");
  for (const auto& a : r.attacks()) {
    out += absl::StrFormat("    %-34s %-5s %-8s %6.1f%% %10s %9s %9d %9d %9d\n", a.label(),
                           a.norm(), a.access(), 100 * a.success_rate(), distance(a.median()),
                           three_significant_digits(a.images_per_second()), a.restarts(),
                           a.checks().not_adversarial() + a.checks().non_finite(),
                           a.checks().clipped());
  }
  out += "  minimal perturbation per sample (minimum over the attacks of each norm):\n";
  for (const auto& n : r.norms()) {
    std::map<int, int> wins;
    for (int v : n.found_by()) wins[v]++;
    std::string by;
    for (const auto& [v, count] : wins) {
      const std::string who = v == -1   ? "misclassified"
                              : v == -2 ? "none found"
                                        : r.attacks(v).label();
      by += (by.empty() ? "" : ", ") + absl::StrFormat("%s %d", who, count);
    }
    out +=
        absl::StrFormat("    %-5s median %-10s mean %-10s found %6.2f%%   minima: %s\n", n.norm(),
                        distance(n.median()), distance(n.mean()), 100 * n.success_rate(), by);
  }
  return out;
}

namespace {

// Per attack variant of `norm` (by label, in the first record's order), the
// share of each model's attacked samples whose minimum it supplied: which
// attacks carry the minimum, and so which the protocol could not do without.
std::string minima_shares(const std::vector<record::RobustnessRecord>& records,
                          const std::string& norm, size_t model_width) {
  std::vector<std::string> rows;  // variant labels, then "none found"
  for (const auto& a : records.front().attacks()) {
    if (a.norm() == norm) rows.push_back(a.label());
  }
  rows.push_back("none found");
  // shares[model][row], in percent; absent: the model has no such variant.
  std::vector<std::map<std::string, double>> shares;
  bool any_unfound = false;
  for (const auto& r : records) {
    std::map<std::string, double> share;
    for (const auto& n : r.norms()) {
      if (n.norm() != norm) continue;
      std::map<std::string, int> count;
      int attacked = 0;
      for (int v : n.found_by()) {
        if (v == -1) continue;  // misclassified: not attacked
        ++attacked;
        ++count[v == -2 ? "none found" : r.attacks(v).label()];
      }
      for (const auto& a : r.attacks()) {
        if (a.norm() == norm) share[a.label()] = 0;
      }
      share["none found"] = 0;
      for (const auto& [label, c] : count) share[label] = attacked ? 100.0 * c / attacked : 0;
      any_unfound |= count.count("none found") > 0;
    }
    shares.push_back(share);
  }
  if (!any_unfound) rows.pop_back();
  size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.size());
  const int column = static_cast<int>(std::max<size_t>(model_width, 7));
  std::string out = absl::StrFormat("\n%s minima supplied, %% of the attacked samples\n", norm);
  out += absl::StrFormat("  %-*s", static_cast<int>(width), "attack");
  for (const auto& r : records) out += absl::StrFormat("  %*s", column, r.label());
  out += "\n";
  for (const auto& row : rows) {
    out += absl::StrFormat("  %-*s", static_cast<int>(width), row);
    for (const auto& share : shares) {
      const auto it = share.find(row);
      out += absl::StrFormat("  %*s", column,
                             it == share.end() ? "n/a" : absl::StrFormat("%.1f%%", it->second));
    }
    out += "\n";
  }
  return out;
}

}  // namespace

std::string format_robustness_comparison(const std::vector<record::RobustnessRecord>& records) {
  if (records.empty()) return "(no models)\n";
  const record::RobustnessRecord& first = records.front();
  size_t width = 5;
  for (const auto& r : records) width = std::max(width, r.label().size());
  std::string out = absl::StrFormat("%-*s  %8s", static_cast<int>(width), "model", "clean");
  for (const auto& n : first.noise()) {
    out += absl::StrFormat("  %9s", absl::StrFormat("σ=%.3g", n.sigma()));
  }
  if (first.corruptions_size() > 0) out += absl::StrFormat("  %11s", "corruptions");
  for (const auto& n : first.norms()) {
    out += absl::StrFormat("  %21s", n.norm() + " median (mean)");
  }
  out += "\n";
  for (const auto& r : records) {
    out += absl::StrFormat("%-*s  %7.2f%%", static_cast<int>(width), r.label(),
                           100 * r.clean_accuracy());
    for (const auto& n : r.noise()) out += absl::StrFormat("  %8.2f%%", 100 * n.accuracy());
    if (r.corruptions_size() > 0) {
      double sum = 0;
      for (const auto& c : r.corruptions()) sum += c.accuracy();
      out += absl::StrFormat("  %10.2f%%", 100 * sum / r.corruptions_size());
    }
    for (const auto& n : r.norms()) {
      out += absl::StrFormat("  %21s", distance(n.median()) + " (" + distance(n.mean()) + ")");
    }
    out += "\n";
  }
  if (first.norms_size() > 0) {
    out += absl::StrFormat(
        "\nminimal perturbations over %d samples (misclassified = 0; mean over samples with an "
        "adversarial)\n",
        first.samples_size());
  }
  for (const auto& n : first.norms()) out += minima_shares(records, n.norm(), width);
  return out;
}

}  // namespace neuroreg
