// The fuzz smoke test of the normal (gcc) test build: no libFuzzer, no
// sanitizers. For one harness it
//   1. replays every file of fuzz/corpus/NAME and fuzz/regressions/NAME, then
//   2. runs seeded, deterministic byte-level mutations of the corpus files
//      (bit flips, interesting integers, inserted, deleted, repeated and
//      spliced ranges, truncation) through the harness for SECONDS.
// An exception other than the documented ones, or a crash, fails it; the
// input is saved as smoke-crash-NAME in the current folder first.
// NEUROREG_FUZZ_SMOKE_SEED=N runs another sequence of mutations.
//
//   neuroreg_fuzz_smoke NAME FUZZ_DIR SECONDS
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "smoke_harnesses.h"

namespace {

namespace fs = std::filesystem;

// The input being run, for the crash handler.
const std::string* g_current = nullptr;
char g_crash_file[512];

void save_current(const char* path) {
  if (!g_current) return;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(g_current->data(), static_cast<std::streamsize>(g_current->size()));
}

extern "C" void on_crash(int signal_number) {
  // Not async-signal-safe in general; good enough for a test that is dying.
  static const char message[] = "fuzz smoke: crash; input saved as ";
  if (::write(2, message, sizeof message - 1) < 0) {
  }
  if (::write(2, g_crash_file, std::strlen(g_crash_file)) < 0 || ::write(2, "\n", 1) < 0) {
  }
  save_current(g_crash_file);
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::pair<std::string, std::string>> read_folder(const fs::path& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.emplace_back(entry.path().string(), read_file(entry.path()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Runs one input; false (with the input saved) when an undocumented
// exception escaped the harness.
bool run(neuroreg::fuzz::SmokeHarness::Entry entry, const std::string& input,
         const std::string& what) {
  g_current = &input;
  try {
    entry(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  } catch (const std::exception& e) {
    save_current(g_crash_file);
    std::fprintf(stderr, "fuzz smoke: %s: uncaught exception: %s\ninput saved as %s\n",
                 what.c_str(), e.what(), g_crash_file);
    return false;
  } catch (...) {
    save_current(g_crash_file);
    std::fprintf(stderr, "fuzz smoke: %s: uncaught non-std exception\ninput saved as %s\n",
                 what.c_str(), g_crash_file);
    return false;
  }
  g_current = nullptr;
  return true;
}

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  std::string mutate(std::string s, const std::vector<std::string>& others) {
    const int count = static_cast<int>(below(4)) + 1;
    for (int i = 0; i < count; ++i) mutate_once(s, others);
    if (s.size() > kMaxSize) s.resize(kMaxSize);
    return s;
  }

  uint64_t below(uint64_t n) { return n ? rng_() % n : 0; }

 private:
  static constexpr size_t kMaxSize = 1 << 20;

  void mutate_once(std::string& s, const std::vector<std::string>& others) {
    static const uint64_t kInteresting[] = {
        0,      1,          0x7f,       0x80,       0xff,       0x100,      0x7fff,     0x8000,
        0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 1ull << 32, 1ull << 62, ~0ull >> 1, ~0ull};
    switch (below(9)) {
      case 0:  // flip a bit
        if (!s.empty()) s[pos(s)] ^= static_cast<char>(1 << below(8));
        break;
      case 1:  // a random byte
        if (!s.empty()) s[pos(s)] = static_cast<char>(below(256));
        break;
      case 2: {  // an interesting integer, 1/2/4/8 bytes, either byte order
        if (s.empty()) break;
        const uint64_t v = kInteresting[below(std::size(kInteresting))];
        const size_t width = size_t{1} << below(4);
        const bool big = below(2);
        const size_t at = pos(s);
        for (size_t b = 0; b < width && at + b < s.size(); ++b) {
          const size_t shift = 8 * (big ? width - 1 - b : b);
          s[at + b] = static_cast<char>((v >> shift) & 0xff);
        }
        break;
      }
      case 3: {  // insert random bytes
        std::string bytes(static_cast<size_t>(below(8)) + 1, '\0');
        for (char& c : bytes) c = static_cast<char>(below(256));
        s.insert(s.empty() ? 0 : pos(s), bytes);
        break;
      }
      case 4:  // delete a range
        if (!s.empty()) {
          const size_t at = pos(s);
          s.erase(at, static_cast<size_t>(below(std::min<size_t>(s.size() - at, 64))) + 1);
        }
        break;
      case 5:  // repeat a range elsewhere
        if (!s.empty()) {
          const size_t at = pos(s);
          const std::string chunk =
              s.substr(at, static_cast<size_t>(below(std::min<size_t>(s.size() - at, 64))) + 1);
          s.insert(pos(s), chunk);
        }
        break;
      case 6:  // truncate
        if (!s.empty()) s.resize(pos(s));
        break;
      case 7: {  // splice in a range of another corpus file
        const std::string& other = others[static_cast<size_t>(below(others.size()))];
        if (other.empty()) break;
        const size_t at = static_cast<size_t>(below(other.size()));
        const std::string chunk = other.substr(
            at, static_cast<size_t>(below(std::min<size_t>(other.size() - at, 256))) + 1);
        if (below(2) || s.empty()) {
          s.insert(s.empty() ? 0 : pos(s), chunk);
        } else {
          const size_t to = pos(s);
          s.replace(to, std::min(chunk.size(), s.size() - to), chunk);
        }
        break;
      }
      default:  // an ASCII digit run, for text formats
        if (!s.empty()) s[pos(s)] = static_cast<char>('0' + below(10));
        break;
    }
  }

  size_t pos(const std::string& s) { return static_cast<size_t>(below(s.size())); }

  std::mt19937_64 rng_;
};

uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s NAME FUZZ_DIR SECONDS\n", argv[0]);
    return 2;
  }
  const std::string name = argv[1];
  const fs::path fuzz_dir = argv[2];
  const double seconds = std::stod(argv[3]);
  const neuroreg::fuzz::SmokeHarness* harness = nullptr;
  for (const auto& h : neuroreg::fuzz::smoke_harnesses()) {
    if (name == h.name) harness = &h;
  }
  if (!harness) {
    std::fprintf(stderr, "fuzz smoke: no harness named '%s'\n", name.c_str());
    return 2;
  }
  std::snprintf(g_crash_file, sizeof g_crash_file, "smoke-crash-%s", name.c_str());
  for (int s : {SIGSEGV, SIGABRT, SIGFPE, SIGBUS, SIGILL}) ::signal(s, on_crash);

  const auto corpus = read_folder(fuzz_dir / "corpus" / name);
  const auto regressions = read_folder(fuzz_dir / "regressions" / name);
  if (corpus.empty()) {
    std::fprintf(stderr, "fuzz smoke: %s has no corpus files\n",
                 (fuzz_dir / "corpus" / name).c_str());
    return 1;
  }
  for (const auto* files : {&corpus, &regressions}) {
    for (const auto& [path, bytes] : *files) {
      if (!run(harness->entry, bytes, path)) return 1;
    }
  }

  std::vector<std::string> seeds;
  for (const auto& file : corpus) seeds.push_back(file.second);
  for (const auto& file : regressions) seeds.push_back(file.second);
  // NEUROREG_FUZZ_SMOKE_SEED picks another (still deterministic) sequence.
  const char* seed_text = std::getenv("NEUROREG_FUZZ_SMOKE_SEED");
  Mutator mutator(fnv1a(name) ^ (seed_text ? std::stoull(seed_text) : 0));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int64_t executions = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string& seed = seeds[static_cast<size_t>(mutator.below(seeds.size()))];
    const std::string input = mutator.mutate(seed, seeds);
    if (!run(harness->entry, input, "mutation " + std::to_string(executions))) return 1;
    ++executions;
  }
  std::printf("fuzz smoke %s: %zu corpus and %zu regression files replayed, %lld mutations run\n",
              name.c_str(), corpus.size(), regressions.size(), static_cast<long long>(executions));
  return 0;
}
