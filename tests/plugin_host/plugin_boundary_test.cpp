// The plugin boundary under damaged, foreign and untrusted files: nothing a
// file in a plugin folder holds may crash the host or run unchecked code.
#include <gtest/gtest.h>
#include <neuroreg/sdk/plugin.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "plugin_host/elf_file.h"
#include "plugin_host/plugin_loader.h"
#include "plugin_host/plugin_stamp.h"
#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

namespace fs = std::filesystem;
using sdk::ComponentKind;
using testing::TempDir;

std::string test_plugin(const std::string& name) {
  return std::string(NEUROREG_TEST_PLUGIN_DIR) + "/test_plugin_" + name + ".so";
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(ElfFile, ReadsThePluginStampSection) {
  auto section = read_elf_section(test_plugin("good"), sdk::kPluginStampSection);
  ASSERT_TRUE(section.ok()) << section.status();
  ASSERT_TRUE(section->has_value());
  EXPECT_EQ(section->value().rfind("neuroreg-plugin;sdk=", 0), 0u) << section->value();
  auto missing = read_elf_section(test_plugin("good"), ".no_such_section");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(ElfFile, NamesWhatIsWrongWithAFileThatIsNotALibrary) {
  TempDir dir;
  write_bytes(dir.file("text.so"), "hello");
  EXPECT_EQ(read_elf_section(dir.file("text.so"), ".x").status().message(),
            dir.file("text.so") + ": not a valid shared library (shorter than an ELF header)");
  write_bytes(dir.file("zeros.so"), std::string(4096, '\0'));
  EXPECT_EQ(read_elf_section(dir.file("zeros.so"), ".x").status().message(),
            dir.file("zeros.so") + ": not a valid shared library (no ELF magic)");
  std::string truncated = read_bytes(test_plugin("good"));
  truncated.resize(200);
  write_bytes(dir.file("cut.so"), truncated);
  EXPECT_EQ(read_elf_section(dir.file("cut.so"), ".x").status().message(),
            dir.file("cut.so") +
                ": not a valid shared library (section headers lie outside the "
                "file)");
}

// Every truncation and many byte mutations of a real plugin: an answer each
// time (a section, none, or an error), never a crash or a read out of bounds.
TEST(ElfFile, SurvivesTruncatedAndMutatedLibraries) {
  TempDir dir;
  const std::string original = read_bytes(test_plugin("good"));
  const std::string file = dir.file("m.so");
  int errors = 0;
  for (size_t length = 0; length < original.size(); length += original.size() / 97 + 1) {
    write_bytes(file, original.substr(0, length));
    errors += !read_elf_section(file, sdk::kPluginStampSection).ok();
  }
  EXPECT_GT(errors, 90);  // nearly every cut loses the section headers at the end
  std::mt19937_64 rng(7);
  // Mutate the ELF header and the section headers, where the parser looks.
  for (int trial = 0; trial < 300; ++trial) {
    std::string bytes = original;
    for (int k = 0; k < 4; ++k) {
      const bool near_start = rng() % 2 == 0;
      const size_t span = near_start ? 64 : 4096;
      const size_t at = near_start ? rng() % span : bytes.size() - 1 - rng() % span;
      bytes[at] = static_cast<char>(rng());
    }
    write_bytes(file, bytes);
    auto section = read_elf_section(file, sdk::kPluginStampSection);
    if (section.ok() && section->has_value()) {
      EXPECT_LE(section->value().size(), bytes.size());
    }
  }
}

TEST(PluginStamp, APluginBuiltHereMatchesTheHost) {
  PluginStamp stamp;
  ASSERT_TRUE(read_plugin_stamp(test_plugin("good"), stamp).ok());
  EXPECT_EQ(stamp, host_stamp());
  EXPECT_EQ(stamp.at("sdk"), std::to_string(NEUROREG_SDK_VERSION));
  EXPECT_EQ(stamp.at("torch"), TORCH_VERSION);
  EXPECT_EQ(stamp.count("cxx11_abi"), 1u);
  EXPECT_EQ(stamp.count("libstdcxx"), 1u);
}

TEST(PluginStamp, AnotherLibTorchIsRefusedBeforeAnyOfItsCodeRuns) {
  unsetenv("NEUROREG_TEST_WRONG_TORCH_RAN");
  Registry registry;
  PluginLoader loader(registry);
  absl::Status status = loader.load_file(test_plugin("wrong_torch"));
  EXPECT_EQ(status.message(), test_plugin("wrong_torch") +
                                  ": built against LibTorch version 0.4.1, but this host uses " +
                                  TORCH_VERSION +
                                  "; rebuild the plugin with the compiler and LibTorch this host "
                                  "was built with");
  EXPECT_EQ(std::getenv("NEUROREG_TEST_WRONG_TORCH_RAN"), nullptr)
      << "the plugin's static constructor ran";
  EXPECT_TRUE(loader.loaded().empty());
}

TEST(PluginStamp, TheOtherStringAbiIsRefused) {
  Registry registry;
  PluginLoader loader(registry);
  absl::Status status = loader.load_file(test_plugin("wrong_abi"));
  EXPECT_NE(status.message().find("built against C++ string ABI (_GLIBCXX_USE_CXX11_ABI) 0, but "
                                  "this host uses 1"),
            std::string::npos)
      << status.message();
}

TEST(PluginLoader, AStaticConstructorThatCrashesIsCaughtInAChildProcess) {
  Registry registry;
  PluginLoader loader(registry);
  absl::Status status = loader.load_file(test_plugin("crashing_static"));
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer turns the SIGSEGV into a report and exit status 1.
  const std::string how = "ended the loading process with exit status 1";
#else
  const std::string how = "crashed while loading (Segmentation fault, signal 11)";
#endif
  EXPECT_EQ(status.message(), test_plugin("crashing_static") + ": " + how +
                                  " in a separate test process; not loaded (the file is damaged "
                                  "or its static initialisation fails)");
  EXPECT_TRUE(loader.loaded().empty());
  // The host goes on: a good plugin still loads after it.
  EXPECT_TRUE(loader.load_file(test_plugin("good")).ok());
}

TEST(PluginLoader, ARegistrationThatThrowsHalfWayLeavesNothingRegistered) {
  Registry registry;
  PluginLoader loader(registry);
  ASSERT_FALSE(loader.load_file(test_plugin("throwing_register")).ok());
  EXPECT_EQ(registry.find(ComponentKind::kRegularizer, "half_registered"), nullptr);
  EXPECT_TRUE(loader.loaded().empty());
}

// Byte-mutated copies of a real plugin, all in one folder: every command that
// loads plugins would load them. Each is refused or loads; none crashes.
TEST(PluginLoader, DamagedLibrariesInAFolderNeverTakeTheHostDown) {
  TempDir dir;
  const std::string original = read_bytes(test_plugin("good"));
  std::mt19937_64 rng(11);
  constexpr int kFiles = 150;  // as many as the report that found the crashes
  for (int i = 0; i < kFiles; ++i) {
    std::string bytes = original;
    for (int k = 0; k < 8; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    write_bytes(dir.file("mutant_" + std::to_string(100 + i) + ".so"), bytes);
  }
  Registry registry;
  PluginLoader loader(registry);
  auto errors = loader.load_directory(dir.path());
  // Mutants that still work all register "test_good": one loads, the others
  // are duplicates. Everything else is an error naming its file.
  EXPECT_EQ(errors.size() + loader.loaded().size(), static_cast<size_t>(kFiles));
  for (const absl::Status& error : errors) {
    EXPECT_EQ(error.message().rfind(dir.path() + "/mutant_", 0), 0u) << error.message();
  }
}

TEST(PluginTrust, AWorldWritableFileOrFolderIsRefused) {
  TempDir dir;
  fs::copy_file(test_plugin("good"), dir.file("good.so"));
  ::chmod(dir.file("good.so").c_str(), 0666);
  Registry registry;
  PluginLoader loader(registry);
  EXPECT_EQ(loader.load_file(dir.file("good.so")).message(),
            dir.file("good.so") + ": refused: the file " + dir.file("good.so") +
                " is writable by every user (mode 0666); run chmod o-w " + dir.file("good.so") +
                " (someone else could replace the code neuroreg runs)");
  ::chmod(dir.file("good.so").c_str(), 0644);
  ::chmod(dir.path().c_str(), 0777);
  EXPECT_NE(loader.load_file(dir.file("good.so"))
                .message()
                .find("its folder " + dir.path() +
                      " is writable by every user (mode 0777, no "
                      "sticky bit)"),
            std::string::npos);
  // A shared folder with the sticky bit (as /tmp) is fine: others cannot
  // replace a file they do not own there.
  ::chmod(dir.path().c_str(), 01777);
  EXPECT_TRUE(loader.load_file(dir.file("good.so")).ok());
  ::chmod(dir.path().c_str(), 0700);
}

TEST(PluginTrust, AFileOwnedByAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "giving a file to another user needs root";
  TempDir dir;
  fs::copy_file(test_plugin("good"), dir.file("good.so"));
  ASSERT_EQ(::chown(dir.file("good.so").c_str(), 65534, 65534), 0);
  Registry registry;
  PluginLoader loader(registry);
  EXPECT_NE(loader.load_file(dir.file("good.so"))
                .message()
                .find("the file " + dir.file("good.so") +
                      " is owned by user 65534, not by the user running neuroreg (0) or root"),
            std::string::npos);
}

TEST(PluginTrust, ASymlinkIsResolvedAndReported) {
  TempDir dir;
  fs::create_symlink(test_plugin("good"), dir.file("linked.so"));
  Registry registry;
  PluginLoader loader(registry);
  ASSERT_TRUE(loader.load_directory(dir.path()).empty());
  ASSERT_EQ(loader.loaded().size(), 1u);
  EXPECT_EQ(loader.loaded()[0].path, fs::canonical(test_plugin("good")).string());
  EXPECT_EQ(loader.loaded()[0].linked_as, dir.file("linked.so"));
  // A dangling link is an error naming it, not a silent skip.
  fs::create_symlink(dir.file("gone.so"), dir.file("dangling.so"));
  Registry other;
  PluginLoader other_loader(other);
  auto errors = other_loader.load_directory(dir.path());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message(), dir.file("dangling.so") + ": no such plugin file");
}

TEST(PluginSearchPath, ARelativeEntryIsNotSearchedAndSaysSo) {
  const char* old = std::getenv("NEUROREG_PLUGIN_PATH");
  const std::string saved = old ? old : "";
  setenv("NEUROREG_PLUGIN_PATH", "/abs/plugins:relative/plugins::", 1);
  std::vector<std::string> warnings;
  std::vector<std::string> dirs = default_plugin_dirs(warnings);
  if (old) {
    setenv("NEUROREG_PLUGIN_PATH", saved.c_str(), 1);
  } else {
    unsetenv("NEUROREG_PLUGIN_PATH");
  }
  EXPECT_EQ(dirs.back(), "/abs/plugins");
  EXPECT_EQ(std::count(dirs.begin(), dirs.end(), "relative/plugins"), 0);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "NEUROREG_PLUGIN_PATH entry 'relative/plugins' is relative and is not searched (the "
            "current folder is never searched implicitly); give an absolute path");
}

}  // namespace
}  // namespace neuroreg
