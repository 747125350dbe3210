// The tables: mean ± SEM in percent, the n = 1 row without an SEM, ∞ said,
// and CSV fields quoted as RFC 4180 asks.
#include <gtest/gtest.h>

#include "report/csv.h"
#include "report/group_tables.h"
#include "report/report_fixtures.h"

namespace neuroreg {
namespace {

std::string line_of(const std::string& text, const std::string& start) {
  std::size_t at = text.find("\n" + start);
  if (at == std::string::npos) return "";
  ++at;
  return text.substr(at, text.find('\n', at) - at);
}

TEST(ReportTable, GroupTableShowsMeanAndSemPerGroup) {
  const std::string table = format_group_table(testing::example_cells());
  const std::string header = table.substr(0, table.find('\n'));
  EXPECT_NE(header.find("clean %"), std::string::npos) << table;
  EXPECT_NE(header.find("σ=0.1 %"), std::string::npos) << table;
  EXPECT_NE(header.find("σ=0.2 %"), std::string::npos) << table;
  EXPECT_NE(header.find("L2 median"), std::string::npos) << table;
  EXPECT_NE(header.find("Linf median"), std::string::npos) << table;

  // 100·.02/√3 = 1.1547, 100·.03/√3 = 1.7321, L2 median .5 .7 ∞.
  const std::string pixel8 = line_of(table, "pixel-alpha8 ");
  EXPECT_NE(pixel8.find(" 3 "), std::string::npos) << table;
  EXPECT_NE(pixel8.find("92.00 ± 1.15"), std::string::npos) << table;
  EXPECT_NE(pixel8.find("83.00 ± 1.73"), std::string::npos) << table;
  EXPECT_NE(pixel8.find("0.6 ± 0.1 (+1 ∞)"), std::string::npos) << table;

  // One seed: the mean alone, never "± 0".
  const std::string pixel2 = line_of(table, "pixel-alpha2 ");
  EXPECT_NE(pixel2.find("91.00"), std::string::npos) << table;
  EXPECT_EQ(pixel2.find("±"), std::string::npos) << table;

  // Columns line up in characters although "±" and "σ" take two bytes.
  EXPECT_NE(line_of(table, "none, \"plain\"").find("90.00 ± 1.53"), std::string::npos) << table;
}

TEST(ReportTable, MeanSemFormatting) {
  Summary s{0.5, 0.01, 3, 0, 0};
  EXPECT_EQ(format_mean_sem(&s, 100, 2), "50.00 ± 1.00");
  Summary one{0.5, std::nan(""), 1, 0, 0};
  EXPECT_EQ(format_mean_sem(&one, 100, 2), "50.00");
  Summary infinite{std::nan(""), std::nan(""), 0, 2, 2};
  EXPECT_EQ(format_mean_sem(&infinite, 1, 4, true), "∞");
  EXPECT_EQ(format_mean_sem(nullptr, 1, 2), "—");
}

TEST(ReportCsv, QuotesFieldsAsRfc4180) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_row({"a", "b,c"}), "a,\"b,c\"\r\n");
  EXPECT_EQ(csv_number(0.1), "0.1");
  EXPECT_EQ(csv_number(testing::kInf), "inf");
  EXPECT_EQ(csv_number(std::nan("")), "");
}

}  // namespace
}  // namespace neuroreg
