#include "record/tensorboard_writer.h"

#include <unistd.h>

#include <boost/crc.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "neuroreg/tensorboard_event.pb.h"

namespace neuroreg {
namespace {

// TFRecord checksums: CRC-32C (Castagnoli), masked as TensorFlow does
// (tensorflow/core/lib/hash/crc32c.h) because CRCs of data that itself holds
// CRCs are weak.
uint32_t masked_crc32c(const char* data, size_t size) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(data, size);
  const uint32_t c = crc.checksum();
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

// TFRecord integers are little-endian whatever the host.
template <typename T>
void append_le(std::string& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

double unix_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

TensorBoardWriter::TensorBoardWriter(const std::string& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) {
    throw std::runtime_error(folder + ": cannot create TensorBoard folder: " + ec.message());
  }
  // TensorBoard finds event files by "tfevents" in the name; the time, host
  // and pid keep runs that share a folder (a resumed run) in separate files.
  path_ = folder + "/events.out.tfevents." + std::to_string(std::time(nullptr)) + "." +
          host_name() + "." + std::to_string(::getpid());
  // Append, not truncate: should the name ever repeat, the earlier events stay.
  file_.reset(std::fopen(path_.c_str(), "ab"));
  if (!file_) fail("cannot open TensorBoard event file");

  tensorboard::Event event;
  event.set_wall_time(unix_seconds_now());
  event.set_file_version("brain.Event:2");
  write_record(event.SerializeAsString());
  flush();
}

TensorBoardWriter::~TensorBoardWriter() = default;

void TensorBoardWriter::add_scalar(const std::string& tag, double value, int64_t step) {
  tensorboard::Event event;
  event.set_wall_time(unix_seconds_now());
  event.set_step(step);
  tensorboard::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  v->set_simple_value(static_cast<float>(value));
  write_record(event.SerializeAsString());
}

// Event files are append-only logs that TensorBoard reads while they grow, so
// the write-to-a-temporary-and-rename used for other results does not apply.
// TensorBoard skips a record cut short at the end of a file and reads it once
// it is complete, so the file is valid at every moment; a crash loses at most
// the events since the last flush, which is why flushing once per epoch (not
// per step) is enough.
void TensorBoardWriter::flush() {
  if (std::fflush(file_.get()) != 0) fail("cannot write TensorBoard event file");
}

// TFRecord: length (uint64), masked CRC of the length bytes, the data, masked
// CRC of the data.
void TensorBoardWriter::write_record(const std::string& data) {
  std::string record;
  record.reserve(data.size() + 16);
  append_le<uint64_t>(record, data.size());
  append_le<uint32_t>(record, masked_crc32c(record.data(), 8));
  record += data;
  append_le<uint32_t>(record, masked_crc32c(data.data(), data.size()));
  if (std::fwrite(record.data(), 1, record.size(), file_.get()) != record.size()) {
    fail("cannot write TensorBoard event file");
  }
}

void TensorBoardWriter::fail(const char* what) const {
  throw std::runtime_error(path_ + ": " + what + ": " + std::strerror(errno));
}

}  // namespace neuroreg
