// Robustness records on disk and as tables.
#pragma once

#include <string>
#include <vector>

#include "neuroreg/robustness_record.pb.h"

namespace neuroreg {

/// Writes the record atomically. Throws std::runtime_error naming the path.
void write_robustness_record(const std::string& path, const record::RobustnessRecord& record);

/// Reads a record written by write_robustness_record. Throws
/// std::runtime_error naming the path and what is wrong.
record::RobustnessRecord read_robustness_record(const std::string& path);

/// One model: accuracy (clean, noise, corruptions), every attack variant
/// with its check tallies, and the minimal perturbation per norm with the
/// attacks that found the minima.
std::string format_robustness(const record::RobustnessRecord& record);

/// Several models side by side: clean, noise, mean corruption accuracy, and
/// per norm the median (mean) minimal perturbation; then per norm the share
/// of the attacked samples whose minimum each attack variant supplied.
std::string format_robustness_comparison(const std::vector<record::RobustnessRecord>& records);

/// A rate such as images/s to three significant digits, without an exponent
/// ("0.0456", "9.70", "123", "4570"), so that a slow attack never shows 0.0.
std::string three_significant_digits(double value);

}  // namespace neuroreg
