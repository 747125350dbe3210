#include "record/record_io.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_format.h>
#include <absl/time/clock.h>
#include <absl/time/time.h>
#include <google/protobuf/stubs/common.h>
#include <neuroreg/sdk/atomic_file.h>
#include <neuroreg/sdk/version.h>
#include <torch/version.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "record/checksum.h"
#include "runtime/allocator.h"
#include "runtime/runtime.h"

namespace neuroreg {
namespace fs = std::filesystem;

record::Versions current_versions() {
  record::Versions v;
  v.set_neuroreg(NEUROREG_VERSION);
  v.set_sdk(NEUROREG_SDK_VERSION);
  v.set_torch(TORCH_VERSION);
  v.set_protobuf(google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION));
  v.set_record_format(kRecordFormat);
  return v;
}

record::Environment current_environment(const std::string& device, int threads) {
  record::Environment e;
  e.set_device(device);
  e.set_threads(threads);
  e.set_blas(loaded_blas());
  e.set_allocator(allocator_in_use());
  return e;
}

std::string utc_now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
}

std::string serialize_with_checksum(const google::protobuf::Message& record, int field,
                                    const std::string& path) {
  std::string bytes;
  if (!record.SerializeToString(&bytes)) {
    throw std::runtime_error(path + ": cannot serialise the record");
  }
  return append_checksum(std::move(bytes), field);
}

void write_run_record(const std::string& path, const record::RunRecord& record) {
  record::RunRecord unchecked = record;
  unchecked.clear_checksum();
  sdk::write_file_atomically(
      path, serialize_with_checksum(unchecked, record::RunRecord::kChecksumFieldNumber, path));
}

void check_record_checksum(const std::string& path, const std::string& bytes,
                           const record::Versions& versions, int field) {
  // Records from before format 2 carry no checksum; since then every one must.
  if (versions.record_format() < 2) return;
  if (absl::Status status = verify_checksum(path, bytes, field); !status.ok()) {
    throw std::runtime_error(std::string(status.message()));
  }
}

record::RunRecord read_run_record(const std::string& path) {
  std::error_code ec;
  std::string file = fs::is_directory(path, ec) ? (fs::path(path) / kRecordFile).string() : path;
  if (!fs::is_regular_file(file, ec)) {
    throw std::runtime_error(file + ": cannot open run record (expected a run folder or its " +
                             kRecordFile + ")");
  }
  const std::string bytes = read_file_bytes(file);
  record::RunRecord record;
  if (!record.ParseFromString(bytes)) {
    throw std::runtime_error(file + ": not a NeuroReg run record (protobuf parse failed)");
  }
  // An empty file parses as an empty message; every record written names its
  // versions and start time.
  if (!record.has_versions() || record.started_at().empty()) {
    throw std::runtime_error(file +
                             ": not a NeuroReg run record (empty, or no versions and start time)");
  }
  check_record_checksum(file, bytes, record.versions(), record::RunRecord::kChecksumFieldNumber);
  record.clear_checksum();  // a property of the file, not of the run
  return record;
}

namespace {

// Splits "gamma/conv13" into ("gamma/conv", 13); no trailing number gives -1.
std::pair<std::string, long> split_number(const std::string& key) {
  size_t digits = key.find_last_not_of("0123456789") + 1;
  long number = -1;
  // More digits than a long holds sort as text, like a key without a number.
  if (digits == key.size() || !absl::SimpleAtoi(key.substr(digits), &number)) return {key, -1};
  return {key.substr(0, digits), number};
}

}  // namespace

std::vector<std::pair<std::string, double>> sorted_diagnostics(
    const google::protobuf::Map<std::string, double>& diagnostics) {
  std::vector<std::pair<std::string, double>> out(diagnostics.begin(), diagnostics.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return split_number(a.first) < split_number(b.first);
  });
  return out;
}

std::string format_run_record(const record::RunRecord& r) {
  std::ostringstream out;
  out << absl::StrFormat("run %s / %s (regularizer %s, alpha %g)\n", r.run_name(), r.label(),
                         r.regularizer(), r.alpha());
  out << absl::StrFormat("  started %s, %.1f s, %d training images, config %s\n", r.started_at(),
                         r.wall_seconds(), r.train_images(), r.config_path());
  out << absl::StrFormat("  neuroreg %s (SDK %d), torch %s, protobuf %s\n", r.versions().neuroreg(),
                         r.versions().sdk(), r.versions().torch(), r.versions().protobuf());
  out << absl::StrFormat("  device %s, %d threads, BLAS %s\n", r.environment().device(),
                         r.environment().threads(), r.environment().blas());
  if (!r.environment().allocator().empty()) {
    out << "  allocator " << r.environment().allocator() << "\n";
  }
  out << "\n  epoch        lr      loss  task loss   sim loss  train acc    val acc    img/s\n";
  for (const auto& e : r.epochs()) {
    out << absl::StrFormat(
        "  %5d  %8.4g  %8.4f  %9.4f  %9.4f  %8.2f%%  %9s  %7.0f", e.epoch(), e.learning_rate(),
        e.loss(), e.task_loss(), e.regularizer_loss(), 100.0 * e.train_accuracy(),
        e.has_validation() ? absl::StrFormat("%.2f%%", 100.0 * e.validation_accuracy())
                           : std::string("-"),
        e.images_per_second());
    for (const auto& [key, value] : sorted_diagnostics(e.diagnostics()))
      out << absl::StrFormat("  %s=%.3f", key, value);
    out << "\n";
  }
  if (r.has_evaluation()) {
    out << absl::StrFormat("\n  evaluation on %d test images: clean %.2f%%\n",
                           r.evaluation().test_images(), 100.0 * r.evaluation().clean_accuracy());
    for (const auto& n : r.evaluation().noise()) {
      out << absl::StrFormat("    gaussian noise sigma %.3f: %.2f%%\n", n.sigma(),
                             100.0 * n.accuracy());
    }
  }
  if (!r.checkpoint().empty()) out << "\n  checkpoint " << r.checkpoint() << "\n";
  out << "\n  effective config:\n";
  std::istringstream config(r.effective_config());
  for (std::string line; std::getline(config, line);) out << "    " << line << "\n";
  return out.str();
}

}  // namespace neuroreg
