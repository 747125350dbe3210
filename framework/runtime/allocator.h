// The process's memory allocator, and what a step costs in memory traffic.
//
// A training step allocates every activation and gradient afresh and frees
// them all at its end. Left at its defaults, glibc's malloc serves blocks
// above its (dynamic) mmap threshold with mmap and returns the top of the
// heap to the kernel whenever more than 128 KiB is free there, so each step
// faults its working set in again: tens of thousands of page faults per step
// and a third or more of the step in the kernel at width 64. The host owns
// the allocator's settings, so every command runs with them.
#pragma once

#include <cstdint>
#include <string>

namespace neuroreg {

/// Applies the allocator policy named by the environment variable
/// NEUROREG_ALLOCATOR: "tuned" (the default) keeps freed memory in the
/// process for the next step; "system" leaves malloc as the C library
/// configured it (GLIBC_TUNABLES and MALLOC_* variables then apply as usual).
/// Throws std::invalid_argument for any other value. Call once, first thing
/// in main. When another malloc (jemalloc, tcmalloc) was preloaded, it is
/// left alone.
void configure_allocator();

/// The allocator in use, for the bench and run records: e.g. "glibc 2.36
/// malloc, tuned (no trimming, no mmap; ...)", "glibc 2.36 malloc
/// (NEUROREG_ALLOCATOR=system: the C library's settings)", "jemalloc 5.3.0 (preloaded)".
std::string allocator_in_use();

/// Resource use of this process: CPU times, minor page faults, resident set.
struct ResourceUse {
  double user_seconds = 0;
  double system_seconds = 0;
  int64_t minor_faults = 0;
};
ResourceUse resource_use();

/// Resets the process's peak resident set ("high water mark") to its current
/// size, so that peak_rss_bytes() reports the peak since this call. Returns
/// false where the kernel does not allow it (the peak is then the process's).
bool reset_peak_rss();
/// The peak resident set size in bytes (VmHWM).
int64_t peak_rss_bytes();

}  // namespace neuroreg
