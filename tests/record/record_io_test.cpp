#include "record/record_io.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

TEST(RunRecord, RoundTripsThroughAFolderAndLeavesNoTemporaryFile) {
  testing::TempDir dir;
  record::RunRecord r;
  r.set_run_name("demo");
  r.set_label("pixel");
  *r.mutable_versions() = current_versions();  // every record written has these
  r.set_started_at(utc_now());
  r.add_epochs()->set_train_accuracy(0.5);
  r.mutable_evaluation()->set_clean_accuracy(0.75);
  write_run_record(dir.file("run/record.pb"), r);
  record::RunRecord back = read_run_record(dir.file("run"));
  EXPECT_EQ(back.SerializeAsString(), r.SerializeAsString());
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("run"))) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST(RunRecord, MissingRecordNamesThePath) {
  try {
    read_run_record("/no/such/run");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(),
                 "/no/such/run: cannot open run record (expected a run folder or its record.pb)");
  }
}

TEST(RunRecord, DiagnosticsSortWithNumbersComparedAsNumbers) {
  record::EpochMetrics e;
  for (const char* key : {"gamma/conv13", "gamma/conv1", "gamma/conv5", "beta"}) {
    (*e.mutable_diagnostics())[key] = 0.25;
  }
  std::vector<std::string> order;
  for (const auto& [key, value] : sorted_diagnostics(e.diagnostics())) order.push_back(key);
  EXPECT_EQ(order,
            (std::vector<std::string>{"beta", "gamma/conv1", "gamma/conv5", "gamma/conv13"}));
}

}  // namespace
}  // namespace neuroreg
