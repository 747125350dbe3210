// Reading, writing and printing run records.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "neuroreg/run_record.pb.h"

namespace neuroreg {

/// The record file inside a run folder.
inline constexpr const char* kRecordFile = "record.pb";

/// What ran: NeuroReg, SDK, LibTorch and protobuf versions.
record::Versions current_versions();

/// Where it ran: device, CPU threads and the BLAS loaded.
record::Environment current_environment(const std::string& device, int threads);

/// Now, as the records write it: UTC, ISO 8601.
std::string utc_now();

/// Writes the record atomically. Throws std::runtime_error naming the path.
void write_run_record(const std::string& path, const record::RunRecord& record);

/// Reads a record from a file, or from a run folder's record.pb. Throws
/// std::runtime_error naming the path and what is wrong.
record::RunRecord read_run_record(const std::string& path);

/// Diagnostics in display order: by name, numbers compared as numbers, so
/// gamma/conv5 comes before gamma/conv13.
std::vector<std::pair<std::string, double>> sorted_diagnostics(
    const google::protobuf::Map<std::string, double>& diagnostics);

/// A readable rendering: summary, per-epoch table, evaluation, config.
std::string format_run_record(const record::RunRecord& record);

}  // namespace neuroreg
