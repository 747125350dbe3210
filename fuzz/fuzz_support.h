// Shared pieces of the fuzz harnesses (fuzz/*_fuzz.cpp).
//
// A harness hands the fuzzer's bytes to a real reader: written to a file (or
// split into the files of a folder) in a scratch folder of this process, then
// read back through the project's own code. The readers document their
// failures as std::runtime_error or std::invalid_argument (absl::Status for
// the config and ELF readers); those are the expected outcome for most
// inputs. Anything else escaping a harness (another exception type, a crash,
// a sanitizer report, a hang) is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuroreg::fuzz {

/// A folder for this process's inputs, removed at exit.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "neuroreg-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    static const std::string removed_at_exit = pattern;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(removed_at_exit, ec);
    });
    return pattern;
  }();
  return dir;
}

/// Writes `size` bytes to `path`, creating its folder.
inline void write_bytes(const std::string& path, const uint8_t* data, size_t size) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) std::abort();
}

/// Writes the input to scratch_dir()/name and returns the path.
inline std::string input_file(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  write_bytes(path, data, size);
  return path;
}

/// The separator between the files of a multi-file input (a folder layout).
inline constexpr char kFileSeparator[] = "\n=====NEUROREG-FUZZ-FILE=====\n";

/// Splits a multi-file input into its parts at kFileSeparator: part i is the
/// i-th file of the harness's layout. Missing parts are empty.
inline std::vector<std::string> split_files(const uint8_t* data, size_t size, size_t parts) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string separator(kFileSeparator);
  std::vector<std::string> files;
  size_t begin = 0;
  while (files.size() + 1 < parts) {
    const size_t end = input.find(separator, begin);
    if (end == std::string::npos) break;
    files.push_back(input.substr(begin, end - begin));
    begin = end + separator.size();
  }
  files.push_back(input.substr(begin));
  files.resize(parts);
  return files;
}

/// Writes `contents` to `path`, or removes `path` when `contents` is empty (a
/// missing file is one of the layouts a reader must reject).
inline void write_or_remove(const std::string& path, const std::string& contents) {
  if (contents.empty()) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return;
  }
  write_bytes(path, reinterpret_cast<const uint8_t*>(contents.data()), contents.size());
}

/// Runs `read`, treating the readers' documented errors as the expected
/// outcome of a malformed input. Any other exception propagates: a finding.
/// With NEUROREG_FUZZ_VERBOSE set, prints an error status a reader returned.
inline void note_status(const std::string& message) {
  static const bool verbose = std::getenv("NEUROREG_FUZZ_VERBOSE") != nullptr;
  if (verbose && !message.empty()) std::fprintf(stderr, "fuzz: status: %s\n", message.c_str());
}

/// With NEUROREG_FUZZ_VERBOSE set, the caught errors are printed (to see
/// which seeds a reader accepts).
template <typename Read>
int expect_documented_errors(Read&& read) {
  static const bool verbose = std::getenv("NEUROREG_FUZZ_VERBOSE") != nullptr;
  try {
    read();
    if (verbose) std::fprintf(stderr, "fuzz: read\n");
  } catch (const std::runtime_error& e) {
    if (verbose) std::fprintf(stderr, "fuzz: runtime_error: %s\n", e.what());
  } catch (const std::invalid_argument& e) {
    if (verbose) std::fprintf(stderr, "fuzz: invalid_argument: %s\n", e.what());
  }
  return 0;
}

}  // namespace neuroreg::fuzz
