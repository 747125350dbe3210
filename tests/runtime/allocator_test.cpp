#include "runtime/allocator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// Runs the real CLI with an environment prefix; returns its exit code and output.
int run_cli_process(const std::string& env, const std::string& args, std::string* output) {
  testing::TempDir dir;
  const std::string command =
      env + " " + NEUROREG_CLI + " " + args + " > " + dir.file("out") + " 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(dir.file("out"));
  output->assign(std::istreambuf_iterator<char>(in), {});
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Allocator, PeakResidentSetCanBeResetAndFollowsWhatIsTouched) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer keeps freed blocks in quarantine: RSS does not drop on free";
#endif
  ASSERT_TRUE(reset_peak_rss()) << "this kernel cannot reset VmHWM";
  const int64_t before = peak_rss_bytes();
  // 96 MiB is above every mmap threshold glibc allows, so free() unmaps it.
  char* block = static_cast<char*>(std::malloc(96 * kMiB));
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, 96 * kMiB);
  const ResourceUse touched = resource_use();
  const int64_t peak = peak_rss_bytes();
  EXPECT_GE(peak - before, static_cast<int64_t>(90 * kMiB));
  std::free(block);
  ASSERT_TRUE(reset_peak_rss());
  EXPECT_LT(peak_rss_bytes(), peak - static_cast<int64_t>(64 * kMiB));
  EXPECT_GT(touched.minor_faults, 0);
  EXPECT_GT(touched.user_seconds + touched.system_seconds, 0);
}

TEST(Allocator, AnUnknownSettingIsAnErrorNamingTheVariable) {
  std::string out;
  EXPECT_EQ(run_cli_process("NEUROREG_ALLOCATOR=jemalloc", "help", &out), 2);
  EXPECT_NE(out.find("NEUROREG_ALLOCATOR must be \"tuned\" (the default) or \"system\", got "
                     "\"jemalloc\""),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace neuroreg
