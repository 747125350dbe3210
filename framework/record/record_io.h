// Reading, writing and printing run records.
#pragma once

#include <string>

#include "neuroreg/run_record.pb.h"

namespace neuroreg {

/// The record file inside a run folder.
inline constexpr const char* kRecordFile = "record.pb";

/// Writes the record atomically. Throws std::runtime_error naming the path.
void write_run_record(const std::string& path, const record::RunRecord& record);

/// Reads a record from a file, or from a run folder's record.pb. Throws
/// std::runtime_error naming the path and what is wrong.
record::RunRecord read_run_record(const std::string& path);

/// A readable rendering: summary, per-epoch table, evaluation, config.
std::string format_run_record(const record::RunRecord& record);

}  // namespace neuroreg
