// The report's files: every one written, figures drawn, CSV read back by an
// independent reader (Python's csv module), and the report without gnuplot.
#include "report/comparison_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "render/gnuplot.h"
#include "report/report_fixtures.h"
#include "report/report_tools.h"
#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

namespace fs = std::filesystem;
using Rows = std::vector<std::vector<std::string>>;

using testing::count;
using testing::read_text;

// Python's csv module reads the file and hands the fields back separated by
// ASCII unit (0x1F) and record (0x1E) separators, which no field contains.
// It also parses every numeric field with float(), failing on any it cannot.
// Columns [first_number_column, end_number_column) are numbers; -1: to the end.
Rows read_csv_with_python(const std::string& path, int first_number_column,
                          int end_number_column = -1) {
  const std::string script =
      "import csv, sys\n"
      "rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))\n"
      "end = int(sys.argv[3]) if int(sys.argv[3]) >= 0 else None\n"
      "[float(v) for r in rows[1:] for v in r[int(sys.argv[2]):end] if v]\n"
      "sys.stdout.write('\\x1e'.join('\\x1f'.join(r) for r in rows))\n";
  const auto result = testing::run_command("/usr/bin/python3 -c \"" + script + "\" '" + path +
                                           "' " + std::to_string(first_number_column) + " " +
                                           std::to_string(end_number_column));
  EXPECT_EQ(result.status, 0) << "python3 could not read " << path;
  Rows rows;
  std::istringstream records(result.out);
  for (std::string record; std::getline(records, record, '\x1e');) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t end; (end = record.find('\x1f', start)) != std::string::npos;
         start = end + 1) {
      fields.push_back(record.substr(start, end - start));
    }
    fields.push_back(record.substr(start));
    rows.push_back(std::move(fields));
  }
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (header[c] == name) return c;
  }
  ADD_FAILURE() << "no column " << name;
  return 0;
}

TEST(ReportFiles, DifferencesCsvReadsBackInPython) {
  testing::TempDir dir;
  write_comparison_report(dir.path(), testing::example_cells(), "Claims");
  // Numbers from mean to p_sign; family is a word, seeds_for_80_power may
  // read ">10000".
  const Rows rows = read_csv_with_python(dir.file("differences.csv"), 3, 12);
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"group", "baseline", "metric", "mean", "sem",
                                               "ci_low", "ci_high", "k", "n", "p", "p_holm",
                                               "p_sign", "family", "unpaired",
                                               "seeds_for_80_power"}));
  // pixel-alpha8 − none on clean: differences .02 .03 .01 (report_fixtures.h),
  // mean .02, SEM .01/√3, all 3 seeds agree, a family of one.
  const auto& row = rows[1];
  ASSERT_EQ(row.size(), rows[0].size());
  EXPECT_EQ(row[0], "pixel-alpha8");
  EXPECT_EQ(row[1], "none, \"plain\"");
  EXPECT_EQ(row[2], "clean");
  EXPECT_NEAR(std::stod(row[3]), 0.02, 1e-12);
  EXPECT_NEAR(std::stod(row[4]), 0.01 / std::sqrt(3.0), 1e-12);
  EXPECT_EQ(row[7], "3");
  EXPECT_EQ(row[8], "3");
  EXPECT_EQ(row[10], row[9]);  // Holm of a family of one is p
  EXPECT_EQ(row[12], "clean");
  EXPECT_EQ(row[13], "0");
  // The one-seed group: mean only, its SEM, CI and p empty.
  bool one_seed = false;
  for (const auto& r : rows) {
    if (r[0] != "pixel-alpha2" || r[2] != "clean") continue;
    one_seed = true;
    EXPECT_EQ(r[4], "");
    EXPECT_EQ(r[5], "");
    EXPECT_EQ(r[9], "");
    EXPECT_EQ(r[8], "1");
  }
  EXPECT_TRUE(one_seed);
  const std::string report = read_text(dir.file("report.md"));
  EXPECT_NE(report.find("## Claims: differences to the baseline"), std::string::npos);
  EXPECT_NE(report.find("Baseline: 'none'"), std::string::npos);
  EXPECT_NE(report.find("planning figure, not a result"), std::string::npos);
  // The fixture's records predate the subset seed: no claim of same images.
  EXPECT_NE(report.find("cannot claim that every cell was scored on the same images"),
            std::string::npos);
}

TEST(ReportFiles, SummaryCsvReadsBackInPython) {
  testing::TempDir dir;
  const auto cells = testing::example_cells();
  write_comparison_report(dir.path(), cells, "Round trip");
  // Metrics start after id, label, group, seed and the 3 grid axes.
  const Rows rows = read_csv_with_python(dir.file("summary.csv"), 7);
  ASSERT_EQ(rows.size(), cells.size() + 1);
  const auto& header = rows[0];
  ASSERT_GE(header.size(), 8u);
  EXPECT_EQ(std::vector<std::string>(header.begin(), header.begin() + 8),
            (std::vector<std::string>{"id", "label", "group", "seed", "regularizer",
                                      "regularizer.alpha", "run.seed", "clean"}));
  const std::size_t clean = column(header, "clean"), noise = column(header, "noise/0.1"),
                    median = column(header, "L2/median"),
                    gamma = column(header, "epoch/3/gamma/conv13");
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const auto& row = rows[i + 1];
    ASSERT_EQ(row.size(), header.size()) << "row " << i;
    EXPECT_EQ(row[0], cells[i].id);
    EXPECT_EQ(row[1], cells[i].label);  // commas, quotes and a line break survive
    EXPECT_EQ(row[2], cells[i].group);
    EXPECT_EQ(row[3], std::to_string(cells[i].seed));
    EXPECT_EQ(row[5], cells[i].axes[1].second);
    // Shortest round-trip numbers: the same double comes back.
    EXPECT_EQ(std::stod(row[clean]), cells[i].robustness[0].clean_accuracy());
    EXPECT_EQ(std::stod(row[noise]), cells[i].robustness[0].noise(0).accuracy());
    EXPECT_EQ(std::stod(row[gamma]), 0.5 + 0.03 * 3);
  }
  EXPECT_EQ(rows[3][median], "inf");
  EXPECT_EQ(rows[1][median], "0.5");

  const Rows groups = read_csv_with_python(dir.file("groups.csv"), 2);
  ASSERT_FALSE(groups.empty());
  EXPECT_EQ(groups[0],
            (std::vector<std::string>{"group", "metric", "mean", "sem", "n", "excluded"}));
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> by_key;
  for (std::size_t i = 1; i < groups.size(); ++i) {
    ASSERT_EQ(groups[i].size(), 6u);
    by_key[{groups[i][0], groups[i][1]}] = groups[i];
  }
  const auto& a = by_key[{"pixel-alpha8", "clean"}];
  ASSERT_EQ(a.size(), 6u);
  EXPECT_NEAR(std::stod(a[2]), 0.92, 1e-12);
  EXPECT_NEAR(std::stod(a[3]), 0.02 / std::sqrt(3.0), 1e-12);
  EXPECT_EQ(a[4], "3");
  const auto& none = by_key[{"none, \"plain\"", "clean"}];
  ASSERT_EQ(none.size(), 6u);
  EXPECT_NEAR(std::stod(none[3]), std::sqrt(0.0007 / 3), 1e-12);
  const auto& single = by_key[{"pixel-alpha2", "clean"}];
  ASSERT_EQ(single.size(), 6u);
  EXPECT_EQ(single[3], "") << "n = 1 has no SEM, and it is not 0";
  EXPECT_EQ(single[4], "1");
  const auto& median_row = by_key[{"pixel-alpha8", "L2/median"}];
  ASSERT_EQ(median_row.size(), 6u);
  EXPECT_NEAR(std::stod(median_row[2]), 0.6, 1e-12);
  EXPECT_EQ(median_row[4], "2");
  EXPECT_EQ(median_row[5], "1");
}

TEST(ReportFiles, WritesEveryFileWithFiguresAndTables) {
  testing::require_program("gnuplot", "gnuplot-nox");
  testing::TempDir dir;
  const auto files = write_comparison_report(dir.path(), testing::example_cells(), "Grid");
  EXPECT_TRUE(files.warnings.empty()) << files.warnings.front();
  std::vector<std::string> names;
  for (const auto& path : files.written) names.push_back(fs::relative(path, dir.path()).string());
  for (const char* expected :
       {"summary.csv", "groups.csv", "report.md", "report.html", "figures/fig4_noise.svg",
        "figures/fig5_L2.svg", "figures/fig5_Linf.svg", "figures/fig6_pixel_noise.svg",
        "figures/fig6_pixel_L2.svg", "figures/fig6_pixel_Linf.svg", "figures/training_loss.svg",
        "figures/training_validation_accuracy.svg", "figures/training_gamma_pixel-alpha8.svg"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
    EXPECT_TRUE(fs::exists(dir.file(expected))) << expected;
  }
  // "none" has one α only: no Fig. 6 for it.
  for (const auto& name : names) EXPECT_EQ(name.find("fig6_none"), std::string::npos) << name;

  std::size_t svgs = 0;
  for (const auto& name : names) {
    if (name.rfind("figures/", 0) != 0) continue;
    ++svgs;
    const std::string svg = read_text(dir.file(name));
    EXPECT_NE(svg.find("<svg"), std::string::npos) << name;
    EXPECT_NE(svg.find("rgb("), std::string::npos) << name << " has no coloured line";
  }

  const std::string md = read_text(dir.file("report.md"));
  EXPECT_NE(md.find("| pixel-alpha8 | 3 | 92.00 ± 1.15 |"), std::string::npos) << md;
  EXPECT_NE(md.find("![Accuracy under Gaussian noise (Fig. 4)](figures/fig4_noise.svg)"),
            std::string::npos);
  EXPECT_NE(md.find("Table 1: layer weights γ, pixel-alpha8"), std::string::npos);

  std::string html = read_text(dir.file("report.html"));
  EXPECT_EQ(count(html, "<svg"), svgs);
  EXPECT_EQ(count(html, "<details>"), 7u);
  EXPECT_NE(html.find("# &lt;not a tag&gt; &amp; co"), std::string::npos);
  EXPECT_NE(html.find("92.00 ± 1.15"), std::string::npos);
  // Self-contained: nothing to fetch. SVG namespace names are not fetched.
  for (const char* ns : {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}) {
    for (std::size_t at; (at = html.find(ns)) != std::string::npos;) html.erase(at, strlen(ns));
  }
  for (const char* external : {"http:", "https:", "<script", "<link", "src=", "@import"}) {
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  }
}

TEST(ReportFiles, WithoutGnuplotTheTablesAreWrittenAndTheFiguresSaySo) {
  testing::TempDir dir;
  ReportOptions options;
  options.gnuplot = dir.file("no-such-gnuplot");
  const auto files =
      write_comparison_report(dir.path(), testing::example_cells(), "No plots", options);
  ASSERT_EQ(files.warnings.size(), 1u);
  EXPECT_NE(files.warnings[0].find("tools/setup"), std::string::npos) << files.warnings[0];
  EXPECT_FALSE(fs::exists(dir.file("figures")));
  const std::string html = read_text(dir.file("report.html"));
  EXPECT_NE(html.find("92.00 ± 1.15"), std::string::npos);
  EXPECT_NE(html.find("gnuplot is not installed"), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_NE(read_text(dir.file("report.md")).find("gnuplot is not installed"), std::string::npos);
}

TEST(ReportGnuplot, AnErrorNamesTheFigureAndGnuplotsMessage) {
  const std::string gnuplot = testing::require_program("gnuplot", "gnuplot-nox");
  if (gnuplot.empty()) return;
  try {
    run_gnuplot(gnuplot, "set terminal svg\nplot $no_such_block using 1:2\n", "fig_broken");
    ADD_FAILURE() << "gnuplot accepted a broken script";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("fig_broken"), std::string::npos) << message;
    EXPECT_NE(message.find("exit status"), std::string::npos) << message;
    EXPECT_NE(message.find("no_such_block"), std::string::npos) << message;
  }
  EXPECT_EQ(gnuplot_quote("it's\na"), "'it''s a'");
}

}  // namespace
}  // namespace neuroreg
