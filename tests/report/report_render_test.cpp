// report.html as a browser shows it: Debian's headless Chromium renders the
// page to a PNG (decoded with libpng: not blank) and dumps the DOM it built
// (every inline figure has drawn lines), with console messages logged (none).
// Set NEUROREG_REPORT_KEEP=DIR to keep the report and its screenshot there.
#include <gtest/gtest.h>
#include <png.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "report/comparison_report.h"
#include "report/report_fixtures.h"
#include "report/report_tools.h"
#include "support/builtin_plugins.h"

namespace neuroreg {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Pixels darker than near-white in any channel, of all pixels.
double inked_fraction(const std::string& png_path, int* width, int* height) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, png_path.c_str())) {
    ADD_FAILURE() << png_path << ": " << image.message;
    return 0;
  }
  image.format = PNG_FORMAT_RGB;
  std::vector<uint8_t> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) {
    ADD_FAILURE() << png_path << ": " << image.message;
    return 0;
  }
  *width = static_cast<int>(image.width);
  *height = static_cast<int>(image.height);
  std::size_t inked = 0;
  for (std::size_t i = 0; i + 2 < pixels.size(); i += 3) {
    inked += pixels[i] < 230 || pixels[i + 1] < 230 || pixels[i + 2] < 230;
  }
  return static_cast<double>(inked) / (pixels.size() / 3);
}

std::string chromium_command(const std::string& chromium, const testing::TempDir& dir) {
  // A profile of its own: parallel runs never share a lock; root needs --no-sandbox.
  return "timeout 120 " + chromium + " --headless --no-sandbox --disable-gpu --hide-scrollbars " +
         "--no-first-run --user-data-dir=" + dir.file("chromium-profile") + " ";
}

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
  const auto shot = testing::run_command(chromium_command(chromium, dir) + "--screenshot=" + png +
                                         " --window-size=1200,3000 " + url + " 2>/dev/null");
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
      testing::run_command(chromium_command(chromium, dir) +
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
}

}  // namespace
}  // namespace neuroreg
