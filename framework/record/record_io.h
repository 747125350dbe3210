// Reading, writing and printing run records.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "neuroreg/run_record.pb.h"

namespace neuroreg {

/// The record file inside a run folder.
inline constexpr const char* kRecordFile = "record.pb";
/// The training checkpoint inside a run folder (it carries the record too).
inline constexpr const char* kCheckpointFile = "checkpoint.pt";

/// The record format written now: 2 = every record ends with its checksum.
inline constexpr int kRecordFormat = 2;

/// What ran: NeuroReg, SDK, LibTorch and protobuf versions, record format.
record::Versions current_versions();

/// Where it ran: device, CPU threads and the BLAS loaded.
record::Environment current_environment(const std::string& device, int threads);

/// Now, as the records write it: UTC, ISO 8601.
std::string utc_now();

/// `record` serialised, with its checksum field (`field`) appended last.
std::string serialize_with_checksum(const google::protobuf::Message& record, int field,
                                    const std::string& path);

/// Throws std::runtime_error naming `path` when a record of format 2 or later
/// (per `versions`) does not end with a checksum field matching its bytes.
void check_record_checksum(const std::string& path, const std::string& bytes,
                           const record::Versions& versions, int field);

/// Writes the record atomically, checksum last. Throws std::runtime_error
/// naming the path.
void write_run_record(const std::string& path, const record::RunRecord& record);

/// Reads a record from a file, or from a run folder's record.pb, and verifies
/// its checksum. Throws std::runtime_error naming the path and what is wrong
/// (empty, truncated, changed after writing, not a record).
record::RunRecord read_run_record(const std::string& path);

/// Diagnostics in display order: by name, numbers compared as numbers, so
/// gamma/conv5 comes before gamma/conv13.
std::vector<std::pair<std::string, double>> sorted_diagnostics(
    const google::protobuf::Map<std::string, double>& diagnostics);

/// A readable rendering: summary, per-epoch table, evaluation, config.
std::string format_run_record(const record::RunRecord& record);

}  // namespace neuroreg
