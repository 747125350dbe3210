#include "neuroreg/sdk/options.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace neuroreg::sdk
