#include "record/record_io.h"

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

void write_run_record(const std::string& path, const record::RunRecord& record) {
  std::string bytes;
  if (!record.SerializeToString(&bytes)) {
    throw std::runtime_error(path + ": cannot serialise the run record");
  }
  sdk::write_file_atomically(path, bytes);
}

record::RunRecord read_run_record(const std::string& path) {
  std::error_code ec;
  std::string file = fs::is_directory(path, ec) ? (fs::path(path) / kRecordFile).string() : path;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw std::runtime_error(file + ": cannot open run record (expected a run folder or its " +
                             kRecordFile + ")");
  }
  record::RunRecord record;
  if (!record.ParseFromIstream(&in)) {
    throw std::runtime_error(file + ": not a NeuroReg run record (protobuf parse failed)");
  }
  // An empty file parses as an empty message; every record written names its
  // versions and start time.
  if (!record.has_versions() || record.started_at().empty()) {
    throw std::runtime_error(file +
                             ": not a NeuroReg run record (empty, or no versions and start time)");
  }
  return record;
}

namespace {

// Splits "gamma/conv13" into ("gamma/conv", 13); no trailing number gives -1.
std::pair<std::string, long> split_number(const std::string& key) {
  size_t digits = key.find_last_not_of("0123456789") + 1;
  if (digits == key.size()) return {key, -1};
  return {key.substr(0, digits), std::stol(key.substr(digits))};
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
