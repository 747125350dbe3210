// read_run_record: a run folder's record.pb, then its text form (`neuroreg show`).
#include <google/protobuf/stubs/logging.h>

#include "fuzz_support.h"
#include "record/record_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // protobuf logs every string field with invalid UTF-8; the reader's error
  // is what counts.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(
        [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
    return true;
  }();
  (void)quiet;
  const std::string path = neuroreg::fuzz::input_file("record.pb", data, size);
  return neuroreg::fuzz::expect_documented_errors(
      [&] { (void)neuroreg::format_run_record(neuroreg::read_run_record(path)); });
}
