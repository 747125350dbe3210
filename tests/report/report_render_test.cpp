// The reports as a browser shows them: Debian's headless Chromium renders
// report.html to a PNG (decoded with libpng: not blank) and dumps the DOM it
// built (every inline figure has drawn lines), with console messages logged
// (none); it renders the neural report's SVG pictures alike (not blank).
// Set NEUROREG_REPORT_KEEP=DIR to keep the reports and their screenshots there.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "neural/neural_report.h"
#include "report/comparison_report.h"
#include "report/neural_report_fixture.h"
#include "report/report_fixtures.h"
#include "report/report_tools.h"
#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

namespace fs = std::filesystem;

using testing::chromium_command;
using testing::inked_fraction;
using testing::read_text;

TEST(ReportRender, ChromiumShowsEveryFigureWithoutConsoleErrors) {
  const std::string gnuplot = testing::require_program("gnuplot", "gnuplot-nox");
  const std::string chromium = testing::require_program("chromium", "chromium");
  if (gnuplot.empty() || chromium.empty()) return;
  testing::TempDir dir;
  const auto files = write_comparison_report(dir.file("grid"), testing::example_cells(), "Grid");
  ASSERT_TRUE(files.warnings.empty()) << files.warnings.front();
  std::size_t figures = 0;
  for (const auto& path : files.written) figures += fs::path(path).extension() == ".svg";
  ASSERT_GE(figures, 5u);
  const std::string url = "file://" + dir.file("grid/report.html");

  const std::string png = dir.file("report.png");
  const auto shot = testing::run_command(chromium_command(chromium, dir.file("chromium-profile")) +
                                         "--screenshot=" + png + " --window-size=1200,3000 " + url +
                                         " 2>/dev/null");
  ASSERT_EQ(shot.status, 0) << "chromium --screenshot failed";
  ASSERT_TRUE(fs::exists(png));
  if (const char* keep = std::getenv("NEUROREG_REPORT_KEEP")) {
    fs::create_directories(keep);
    fs::copy(dir.file("grid"), keep,
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    fs::copy_file(png, fs::path(keep) / "report.png", fs::copy_options::overwrite_existing);
  }
  int width = 0, height = 0;
  const double inked = inked_fraction(png, &width, &height);
  EXPECT_EQ(width, 1200);
  EXPECT_EQ(height, 3000);
  EXPECT_GT(inked, 0.02) << "the screenshot is (nearly) blank";

  const std::string log = dir.file("console.log");
  const auto dom =
      testing::run_command(chromium_command(chromium, dir.file("chromium-profile")) +
                           "--enable-logging=stderr --v=0 --dump-dom " + url + " 2>" + log);
  ASSERT_EQ(dom.status, 0) << "chromium --dump-dom failed";
  std::istringstream lines(read_text(log));
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.find(":CONSOLE"), std::string::npos) << line;
  }

  // Each inline figure, as the browser parsed it, has a coloured drawn path.
  std::size_t drawn = 0, at = 0;
  while ((at = dom.out.find("<svg", at)) != std::string::npos) {
    const std::size_t end = dom.out.find("</svg>", at);
    ASSERT_NE(end, std::string::npos);
    const std::string svg = dom.out.substr(at, end - at);
    EXPECT_NE(svg.find("<path"), std::string::npos) << "figure " << drawn << " has no path";
    EXPECT_NE(svg.find("stroke=\"rgb("), std::string::npos)
        << "figure " << drawn << " has no coloured line";
    ++drawn;
    at = end;
  }
  EXPECT_EQ(drawn, figures);

  // The claims' forest plot is among them: its file, and its figure as the
  // browser built it, with the groups' points and CI bars drawn.
  EXPECT_TRUE(fs::exists(dir.file("grid/figures/differences.svg")));
  const std::size_t forest = dom.out.find("<figure id=\"differences\">");
  ASSERT_NE(forest, std::string::npos) << "no forest plot in report.html";
  const std::size_t forest_svg = dom.out.find("<svg", forest);
  ASSERT_NE(forest_svg, std::string::npos);
  const std::string svg = dom.out.substr(forest_svg, dom.out.find("</svg>", forest_svg) - forest_svg);
  EXPECT_NE(svg.find("pixel-alpha8 − none"), std::string::npos) << "legend lacks the group";
  EXPECT_NE(svg.find("σ = 0.1"), std::string::npos) << "x axis lacks the σ category";
  EXPECT_NE(svg.find("<path"), std::string::npos);
}

TEST(ReportRender, ChromiumShowsTheNeuralReportsPictures) {
  const std::string gnuplot = testing::require_program("gnuplot", "gnuplot-nox");
  const std::string chromium = testing::require_program("chromium", "chromium");
  if (gnuplot.empty() || chromium.empty()) return;
  testing::TempDir dir;
  ASSERT_TRUE(write_target_report(testing::example_target_report(), dir.file("report")).empty());
  const char* keep = std::getenv("NEUROREG_REPORT_KEEP");
  if (keep != nullptr) {
    fs::create_directories(keep);
    fs::copy(dir.file("report"), keep,
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
  for (const std::string name : {"similarity_oracle_images", "fig1d_scatter"}) {
    SCOPED_TRACE(name);
    const std::string png = dir.file(name + ".png");
    const auto shot = testing::run_command(
        chromium_command(chromium, dir.file("chromium-profile")) + "--screenshot=" + png +
        " --window-size=1400,600 file://" + dir.file("report/" + name + ".svg") + " 2>/dev/null");
    ASSERT_EQ(shot.status, 0) << "chromium --screenshot failed";
    if (keep != nullptr) {
      fs::copy_file(png, fs::path(keep) / (name + ".png"), fs::copy_options::overwrite_existing);
    }
    int width = 0, height = 0;
    const double inked = inked_fraction(png, &width, &height);
    EXPECT_EQ(width, 1400);
    EXPECT_EQ(height, 600);
    // Three heatmaps cover about a third of the window; the scatter, a
    // frame of dots and text, a few percent.
    EXPECT_GT(inked, name == "fig1d_scatter" ? 0.01 : 0.2) << "the screenshot is (nearly) blank";
  }
}

}  // namespace
}  // namespace neuroreg
