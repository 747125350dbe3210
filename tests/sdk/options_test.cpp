#include "neuroreg/sdk/options.h"

#include <gtest/gtest.h>

#include <cmath>

namespace neuroreg::sdk {
namespace {

TEST(Options, GettersReturnValuesAndNameTheKeyOnMisuse) {
  Options options({{"width", OptionValue(int64_t{8})}, {"lr", OptionValue(0.5)}});
  EXPECT_EQ(options.get_int("width"), 8);
  EXPECT_DOUBLE_EQ(options.get_float("lr"), 0.5);
  try {
    options.get_string("width");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "option 'width' is an integer, not a string");
  }
  EXPECT_THROW(options.get_int("depth"), std::invalid_argument);
}

TEST(OptionList, RefusesADuplicateDeclaration) {
  OptionList list;
  list.add_int("width", 1, "");
  EXPECT_THROW(list.add_float("width", 1.0, ""), std::invalid_argument);
}

TEST(OptionValue, RendersAsToml) {
  EXPECT_EQ(to_toml_text(OptionValue(int64_t{3})), "3");
  EXPECT_EQ(to_toml_text(OptionValue(20.0)), "20.0");
  EXPECT_EQ(to_toml_text(OptionValue(0.0005)), "0.0005");
  EXPECT_EQ(to_toml_text(OptionValue(std::string("a\"b"))), "\"a\\\"b\"");
  EXPECT_EQ(to_toml_text(OptionValue(std::vector<std::string>{"1", "x"})), "[\"1\", \"x\"]");
  EXPECT_EQ(to_toml_text(OptionValue(std::vector<int64_t>{})), "[]");
  EXPECT_EQ(to_toml_text(OptionValue(true)), "true");
}

// The one declaration of a key carries its range; the host checks values
// against it and `neuroreg plugins` prints it.
TEST(OptionConstraints, DescribeThemselvesInWords) {
  OptionList list;
  list.add_int("width", 64, "")
      .between(1, 1024)
      .add_int("batch_size", 0, "")
      .at_least(2)
      .or_zero()
      .add_float("p", 0.5, "")
      .at_least(0)
      .below(1)
      .add_float("lr", 0.1, "")
      .above(0)
      .add_string("label", "fine", "")
      .one_of({"fine", "coarse"})
      .add_int("divisor", 1, "")
      .one_of_ints({1, 2, 4})
      .add_string_list("taps", {"1"}, "")
      .non_empty()
      .add_string("weights", "", "")
      .existing_file()
      .add_bool("flag", true, "");
  const auto& specs = list.specs();
  EXPECT_EQ(describe_constraints(specs[0]), "1..1024");
  EXPECT_EQ(describe_constraints(specs[1]), "0 or at least 2");
  EXPECT_EQ(describe_constraints(specs[2]), "in [0.0, 1.0)");
  EXPECT_EQ(describe_constraints(specs[3]), "above 0.0");
  EXPECT_EQ(describe_constraints(specs[4]), "one of \"fine\", \"coarse\"");
  EXPECT_EQ(describe_constraints(specs[5]), "one of 1, 2, 4");
  EXPECT_EQ(describe_constraints(specs[6]), "at least one item");
  EXPECT_EQ(describe_constraints(specs[7]), "an existing file");
  EXPECT_EQ(describe_constraints(specs[8]), "");
}

TEST(OptionConstraints, NameWhatIsWrongWithAValue) {
  OptionList list;
  list.add_int("width", 64, "")
      .between(1, 1024)
      .add_int("batch_size", 0, "")
      .at_least(2)
      .or_zero()
      .add_float("momentum", 0.9, "")
      .between(0, 1)
      .add_float_list("sigmas", {0.1}, "")
      .at_least(0)
      .add_string("label", "fine", "")
      .one_of({"fine", "coarse"})
      .add_string_list("taps", {"1"}, "")
      .non_empty();
  const auto& s = list.specs();
  EXPECT_EQ(option_problem(s[0], OptionValue(int64_t{0})), "must be 1..1024, got 0");
  // 2^32 + 1 is checked as a 64-bit value, not cut to 32 bits (which gives 1).
  EXPECT_EQ(option_problem(s[0], OptionValue(int64_t{4294967297})),
            "must be 1..1024, got 4294967297");
  EXPECT_EQ(option_problem(s[0], OptionValue(int64_t{1024})), "");
  EXPECT_EQ(option_problem(s[1], OptionValue(int64_t{0})), "");
  EXPECT_EQ(option_problem(s[1], OptionValue(int64_t{1})), "must be 0 or at least 2, got 1");
  EXPECT_EQ(option_problem(s[2], OptionValue(-1.0)), "must be in [0.0, 1.0], got -1.0");
  EXPECT_EQ(option_problem(s[2], OptionValue(std::nan(""))), "must be finite, got nan");
  EXPECT_EQ(option_problem(s[3], OptionValue(std::vector<double>{0.1, -0.2})),
            "item 2 must be at least 0.0, got -0.2");
  EXPECT_EQ(option_problem(s[4], OptionValue(std::string("both"))),
            "must be one of \"fine\", \"coarse\", got \"both\"");
  EXPECT_EQ(option_problem(s[5], OptionValue(std::vector<std::string>{})),
            "must have at least one item");
  EXPECT_EQ(option_problem(s[0], OptionValue(1.5)), "must be an integer, got a number");
}

TEST(OptionConstraints, NeedAnOptionBeforeThem) {
  OptionList list;
  EXPECT_THROW(list.at_least(1), std::logic_error);
}

}  // namespace
}  // namespace neuroreg::sdk
