// numpy unicode string arrays ('<U…'), as Sensorium scans store their tiers.
#include <gtest/gtest.h>

#include <fstream>

#include "neuroreg/sdk/npy.h"
#include "support/builtin_plugins.h"

namespace neuroreg::sdk {
namespace {

// The bytes numpy writes for np.save(path, np.array(["train", "test"])):
// version 1.0, magic and header padded to 128 bytes, then UTF-32LE padded to 5 chars.
std::string numpy_bytes() {
  std::string header = "{'descr': '<U5', 'fortran_order': False, 'shape': (2,), }";
  header.append(128 - 10 - header.size() - 1, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size());
  bytes += '\0';
  bytes += header;
  for (const char* word : {"train", "test"}) {
    std::string w(word);
    w.resize(5, '\0');
    for (char c : w) bytes += std::string{c, '\0', '\0', '\0'};
  }
  return bytes;
}

TEST(NpyStrings, ReadsWhatNumpyWrites) {
  neuroreg::testing::TempDir dir;
  std::ofstream(dir.file("tiers.npy"), std::ios::binary) << numpy_bytes();
  EXPECT_EQ(read_npy_strings(dir.file("tiers.npy")), (std::vector<std::string>{"train", "test"}));
}

TEST(NpyStrings, RoundTripsNonAsciiAndEmptyStrings) {
  neuroreg::testing::TempDir dir;
  const std::vector<std::string> words = {"validation", "", "häuser", "猫", "final_test"};
  write_npy_strings(dir.file("w.npy"), words);
  EXPECT_EQ(read_npy_strings(dir.file("w.npy")), words);
}

TEST(NpyStrings, NamesTheFileOfANumberArrayATruncationAndBadUtf8) {
  neuroreg::testing::TempDir dir;
  write_npy(dir.file("numbers.npy"), torch::zeros({3}));
  try {
    read_npy_strings(dir.file("numbers.npy"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(
                  dir.file("numbers.npy") + ": expected a little-endian unicode string array", 0),
              0u);
  }
  std::string bytes = numpy_bytes();
  std::ofstream(dir.file("short.npy"), std::ios::binary) << bytes.substr(0, bytes.size() - 4);
  try {
    read_npy_strings(dir.file("short.npy"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), dir.file("short.npy") +
                                         ": truncated or with trailing bytes: expected 2 strings "
                                         "of 5 characters");
  }
  EXPECT_THROW(write_npy_strings(dir.file("bad.npy"), {std::string("\xC3")}),
               std::invalid_argument);
}

}  // namespace
}  // namespace neuroreg::sdk
