#include "runtime/allocator.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <sys/resource.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace neuroreg {
namespace {

std::string g_policy;  // what configure_allocator() applied; empty before it runs

// The file that defines the malloc this process calls (interposition by
// LD_PRELOAD or by a library linked before libc).
std::string malloc_provider() {
  void* address = dlsym(RTLD_DEFAULT, "malloc");
  Dl_info info{};
  if (address == nullptr || dladdr(address, &info) == 0 || info.dli_fname == nullptr) return "";
  std::string file = info.dli_fname;
  auto slash = file.rfind('/');
  return slash == std::string::npos ? file : file.substr(slash + 1);
}

bool glibc_malloc() {
  const std::string provider = malloc_provider();
  return provider.rfind("libc.so", 0) == 0 || provider.empty();
}

std::string jemalloc_version() {
  using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
  auto mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl == nullptr || mallctl("version", &version, &size, nullptr, 0) != 0) return "";
  std::string v = version;
  return v.substr(0, v.find('-'));  // "5.3.0-0-g54eaed1d..." → "5.3.0"
}

std::string tcmalloc_version() {
  using TcVersion = const char* (*)(int*, int*, const char**);
  auto tc_version = reinterpret_cast<TcVersion>(dlsym(RTLD_DEFAULT, "tc_version"));
  return tc_version == nullptr ? "" : tc_version(nullptr, nullptr, nullptr);  // "gperftools 2.10"
}

}  // namespace

void configure_allocator() {
  const char* env = std::getenv("NEUROREG_ALLOCATOR");
  const std::string setting = env == nullptr || *env == '\0' ? "tuned" : env;
  if (setting != "tuned" && setting != "system") {
    throw std::invalid_argument(
        "NEUROREG_ALLOCATOR must be \"tuned\" (the default) or \"system\", got \"" + setting +
        "\"");
  }
  g_policy = setting;
  if (setting == "system" || !glibc_malloc()) return;
  // Freed memory stays in the process for the next step: no trimming of the
  // heap (-1, mallopt(3)) and no mmap for large blocks, which free() would
  // unmap. (M_MMAP_THRESHOLD cannot do the latter: glibc caps it at 32 MiB,
  // one activation of a width-64 ResNet at batch 128.) The process then holds
  // its peak working set, which it needs again every step.
  if (mallopt(M_TRIM_THRESHOLD, -1) != 1 || mallopt(M_MMAP_MAX, 0) != 1) {
    throw std::runtime_error(
        "the C library refused the allocator settings (mallopt); run with "
        "NEUROREG_ALLOCATOR=system");
  }
}

std::string allocator_in_use() {
  if (!glibc_malloc()) {
    std::string version = jemalloc_version();
    if (!version.empty()) return "jemalloc " + version + " (preloaded)";
    version = tcmalloc_version();
    if (!version.empty()) return version + " tcmalloc (preloaded)";
    return malloc_provider() + " (preloaded)";
  }
  std::string name = std::string("glibc ") + gnu_get_libc_version() + " malloc";
  if (g_policy == "tuned") {
    return name + ", tuned (no trimming, no mmap; NEUROREG_ALLOCATOR=system turns this off)";
  }
  if (g_policy == "system") return name + " (NEUROREG_ALLOCATOR=system: the C library's settings)";
  return name + " (the C library's settings)";
}

ResourceUse resource_use() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * t.tv_usec; };
  return {seconds(usage.ru_utime), seconds(usage.ru_stime), usage.ru_minflt};
}

bool reset_peak_rss() {
  // Linux ≥ 4.0: writing 5 to clear_refs resets VmHWM to the current RSS.
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

int64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // "  1234 kB"
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace neuroreg
