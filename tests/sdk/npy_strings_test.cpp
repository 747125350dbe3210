// numpy unicode string arrays ('<U…'), as Sensorium scans store their tiers.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

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
                                         ": truncated or with trailing bytes: the header "
                                         "announces 40 data bytes, the file has 36");
  }
  EXPECT_THROW(write_npy_strings(dir.file("bad.npy"), {std::string("\xC3")}),
               std::invalid_argument);
}

// A version-1.0 file with the given header dict (padded to 64 bytes with the
// magic, as numpy does) and data bytes.
std::string npy_file(const std::string& dict, const std::string& data) {
  std::string header = dict;
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  return bytes + header + data;
}

std::string message_of(const std::function<void()>& read) {
  try {
    read();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Npy, ReadsAHeaderLongerThan127BytesInAnyKeyOrder) {
  // numpy loads this (a header length byte >= 128, keys unsorted, long padding).
  neuroreg::testing::TempDir dir;
  const std::string dict =
      "{'shape': (2, 1), 'fortran_order': False, 'descr': '<f4'" + std::string(120, ' ') + "}";
  const float values[2] = {1.5f, -2.0f};
  std::ofstream(dir.file("long.npy"), std::ios::binary)
      << npy_file(dict, std::string(reinterpret_cast<const char*>(values), 8));
  const torch::Tensor t = read_npy(dir.file("long.npy"));
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(t[1][0].item<float>(), -2.0f);
}

TEST(Npy, AHugeDeclaredSizeIsAClearErrorNotACrashOrAnAllocation) {
  neuroreg::testing::TempDir dir;
  const std::string path = dir.file("tiers.npy");
  // 128 bytes whose header says each string has 2^62 characters.
  std::ofstream(path, std::ios::binary) << npy_file(
      "{'descr': '<U4611686018427387904', 'fortran_order': False, 'shape': (1,), }", "");
  EXPECT_EQ(message_of([&] { read_npy_strings(path); })
                .rfind(path + ": expected a little-endian unicode string array ('<U…'), header "
                              "{'descr': '<U4611686018427387904', 'fortran_order': False, "
                              "'shape': (1,), }",
                       0),
            0u);
  std::ofstream(path, std::ios::binary) << npy_file(
      "{'descr': '<U1000000000', 'fortran_order': False, 'shape': (1000000000,), }", "");
  EXPECT_EQ(message_of([&] { read_npy_strings(path); }),
            path +
                ": truncated or with trailing bytes: the header announces 4000000000000000000 "
                "data bytes, the file has 0");
  std::ofstream(path, std::ios::binary) << npy_file(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "");
  EXPECT_EQ(message_of([&] { read_npy(path); }),
            path + ": not a readable .npy file (shape 4294967296, 4294967296 overflows)");
  std::ofstream(path, std::ios::binary)
      << npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", "");
  EXPECT_EQ(message_of([&] { read_npy(path); }),
            path + ": not a readable .npy file (shape entry '-1' is not a dimension)");
}

}  // namespace
}  // namespace neuroreg::sdk
