#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderAddressSanitizer = true;
#else
constexpr bool kUnderAddressSanitizer = false;
#endif

std::string bench_config(const testing::TempDir& dir, int width, int batch,
                         const std::string& regularizer) {
  const std::string path = dir.file("bench.toml");
  std::ofstream(path) << R"([run]
name = "bench"
threads = 1

[dataset]
name = "synthetic"
train_images = )" << batch
                      << R"(

[backbone]
name = "resnet18"
width = )" << width << R"(

[train]
batch_size = )" << batch
                      << R"(

[[regularizer]]
name = ")" << regularizer
                      << "\"\n";
  return path;
}

// The real CLI in its own process, so that main() applies the allocator policy.
std::string run_bench(const std::string& env, const testing::TempDir& dir, int width = 2,
                      int batch = 8, const std::string& regularizer = "pixel",
                      const std::string& rounds = "--rounds 2 --steps 1") {
  const std::string out = dir.file("out-" + std::to_string(std::rand()));
  const std::string command = env + " " + NEUROREG_CLI + " bench " +
                              bench_config(dir, width, batch, regularizer) + " " + rounds +
                              " --plugin-path " + NEUROREG_PLUGIN_DIR + " > " + out + " 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(out);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Row {
  std::string label;
  double ms = 0, images = 0, system_percent = 0, faults = 0, rss_mib = 0;
};

// The rows under the "regularizer ms/step ..." header.
std::vector<Row> rows(const std::string& out) {
  std::vector<Row> result;
  std::istringstream lines(out.substr(out.find("\nregularizer") + 1));
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line) && !line.empty()) {
    std::istringstream fields(line);
    Row r;
    std::string ratio, system, mib;
    fields >> r.label >> r.ms >> r.images >> ratio >> system >> r.faults >> r.rss_mib >> mib;
    if (!fields || mib != "MiB") break;
    r.system_percent = std::stod(system);  // "3.2%"
    result.push_back(r);
  }
  return result;
}

TEST(StepBench, EachRowShowsKernelShareFaultsAndPeakMemoryUnderTheNamedAllocator) {
  // Under AddressSanitizer malloc is the sanitizer's: glibc's settings, which
  // these rows report and tune, do not apply (tools/sanitize).
  if (kUnderAddressSanitizer) GTEST_SKIP() << "malloc is AddressSanitizer's, not glibc's";
  testing::TempDir dir;
  const std::string out = run_bench("", dir);
  EXPECT_NE(out.find("allocator glibc"), std::string::npos) << out;
  EXPECT_NE(out.find(", tuned (no trimming, no mmap"), std::string::npos) << out;
  EXPECT_NE(out.find("sys/user  faults/step   peak RSS"), std::string::npos) << out;
  const std::vector<Row> table = rows(out);
  ASSERT_EQ(table.size(), 2u) << out;  // plain training is added
  EXPECT_EQ(table[0].label, "none");
  EXPECT_EQ(table[1].label, "pixel");
  for (const Row& r : table) {
    EXPECT_GT(r.ms, 0) << r.label;
    EXPECT_GE(r.system_percent, 0) << r.label;
    EXPECT_GE(r.faults, 0) << r.label;
    EXPECT_GT(r.rss_mib, 10) << r.label;  // LibTorch alone is more than that
  }

  const std::string system = run_bench("NEUROREG_ALLOCATOR=system", dir);
  EXPECT_NE(system.find("malloc (NEUROREG_ALLOCATOR=system: the C library's settings)"),
            std::string::npos)
      << system;
  EXPECT_EQ(rows(system).size(), 2u) << system;
}

TEST(StepBench, UnderTheDefaultAllocatorAStepReusesFreedMemoryInsteadOfFaultingItInAgain) {
  // Under AddressSanitizer malloc is the sanitizer's: glibc's settings, which
  // these rows report and tune, do not apply (tools/sanitize).
  if (kUnderAddressSanitizer) GTEST_SKIP() << "malloc is AddressSanitizer's, not glibc's";
  // Width 16 at batch 32: a step allocates and frees over a hundred MiB of
  // activations (tens of thousands of pages). Kept by malloc, they cost no
  // page faults the next time; returned to the kernel, every page faults again
  // (about 2400 faults per step here with NEUROREG_ALLOCATOR=system). The
  // heap still grows a little over the first steps (0-200 faults per step
  // over these 16, by address-space layout).
  testing::TempDir dir;
  const std::string out = run_bench("", dir, 16, 32, "none", "--rounds 4 --steps 4");
  const std::vector<Row> table = rows(out);
  ASSERT_EQ(table.size(), 1u) << out;
  EXPECT_LT(table[0].faults, 500) << out;
}

}  // namespace
}  // namespace neuroreg
