// The neural report's pictures explain themselves: every heatmap panel is
// titled, its axes labelled and its colour bar ticked at its own −m, 0, m;
// the scatter has a title, axis labels naming both similarities, and a
// legend. Without gnuplot the table says which picture is missing and why.
#include "neural/neural_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "report/neural_report_fixture.h"
#include "report/report_tools.h"
#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

namespace fs = std::filesystem;
using testing::count;
using testing::read_text;

// gnuplot writes each label as the whole text of one <text> element.
bool has_text(const std::string& svg, const std::string& label) {
  return svg.find("<text>" + label + "</text>") != std::string::npos;
}

TEST(NeuralReport, EveryPanelHasATitleAxisLabelsAndAColourBarOfItsOwnScale) {
  if (testing::require_program("gnuplot", "gnuplot-nox").empty()) return;
  testing::TempDir dir;
  const auto warnings = write_target_report(testing::example_target_report(), dir.file("report"));
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  EXPECT_FALSE(fs::exists(dir.file("report/similarity_oracle_images.png")));

  const std::string svg = read_text(dir.file("report/similarity_oracle_images.svg"));
  ASSERT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_TRUE(has_text(svg,
                       "Similarity of the 24 oracle images (animal1-scan1), ordered by clustering "
                       "S_oracle; each panel on its own scale"));
  for (const char* title : {"S_oracle (Eq. 3)", "S_model (Eq. 6)", "S_true (noise-free rates)"}) {
    EXPECT_TRUE(has_text(svg, title)) << title;
  }
  EXPECT_EQ(count(svg, "<text>oracle image (cluster order)</text>"), 6u) << "x and y, 3 panels";
  for (const char* tick : {"-0.0417", "0.0417", "-0.512", "0.512", "-0.8", "0.8"}) {
    EXPECT_EQ(count(svg, "<text>" + std::string(tick) + "</text>"), 1u) << tick;
  }
  EXPECT_GE(count(svg, "<text>0</text>"), 3u) << "each colour bar's middle";
  EXPECT_EQ(count(svg, "<image style='image-rendering:pixelated' "), 3u);

  const std::string scatter = read_text(dir.file("report/fig1d_scatter.svg"));
  EXPECT_NE(scatter.find(">Fig. 1D: similarity of pairs of oracle images (animal1-scan1)</text>"),
            std::string::npos);
  EXPECT_NE(scatter.find(">S_oracle (Eq. 3), averaged over repeats</text>"), std::string::npos);
  EXPECT_NE(scatter.find(">S_data (Eq. 2, single trials) or S_model (Eq. 6)</text>"),
            std::string::npos);
  EXPECT_NE(scatter.find(">S_data, r = 0.31</text>"), std::string::npos);
  EXPECT_NE(scatter.find(">S_model, r = 0.74</text>"), std::string::npos);
  EXPECT_NE(scatter.find(">y = x</text>"), std::string::npos);

  const std::string table = read_text(dir.file("report/report.txt"));
  EXPECT_NE(table.find("similarity_oracle_images.svg   S_oracle | S_model | S_true, "),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("fig1d_scatter.svg"), std::string::npos) << table;
}

TEST(NeuralReport, WithoutAModelOrTruthDrawsSOracleAlone) {
  if (testing::require_program("gnuplot", "gnuplot-nox").empty()) return;
  testing::TempDir dir;
  TargetReport report = testing::example_target_report();
  report.s_model = report.s_true = report.model_pairs = report.model_oracle = torch::Tensor();
  EXPECT_TRUE(write_target_report(report, dir.file("report")).empty());
  const std::string svg = read_text(dir.file("report/similarity_oracle_images.svg"));
  EXPECT_TRUE(has_text(svg, "S_oracle (Eq. 3)"));
  EXPECT_EQ(svg.find("S_model"), std::string::npos);
  EXPECT_EQ(count(svg, "<image "), 1u);
  EXPECT_TRUE(has_text(svg, "0.0417"));
  const std::string scatter = read_text(dir.file("report/fig1d_scatter.svg"));
  EXPECT_NE(scatter.find(">S_data (Eq. 2, single trials)</text>"), std::string::npos);
  EXPECT_EQ(scatter.find("S_model"), std::string::npos);
}

TEST(NeuralReport, WithoutGnuplotTheTableSaysWhichPictureIsMissingAndHowToGetIt) {
  testing::TempDir dir;
  // An older run's picture must not pass for this run's.
  fs::create_directories(dir.file("report"));
  std::ofstream(dir.file("report/similarity_oracle_images.svg")) << "<svg/>";
  const auto warnings = write_target_report(testing::example_target_report(), dir.file("report"),
                                            dir.file("no-such-gnuplot"));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("similarity_oracle_images.svg not drawn"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("tools/setup installs it (gnuplot-nox)"), std::string::npos)
      << warnings[0];
  EXPECT_FALSE(fs::exists(dir.file("report/similarity_oracle_images.svg")));
  const std::string table = read_text(dir.file("report/report.txt"));
  EXPECT_NE(table.find("r(model,oracle)"), std::string::npos) << table;
  EXPECT_NE(table.find("similarity_oracle_images.svg   not drawn: gnuplot (" +
                       dir.file("no-such-gnuplot") +
                       ") is not installed; tools/setup installs it (gnuplot-nox)"),
            std::string::npos)
      << table;
  EXPECT_TRUE(fs::exists(dir.file("report/fig1d_scatter.svg")));
}

}  // namespace
}  // namespace neuroreg
