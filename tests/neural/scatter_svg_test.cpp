// The scatter SVG read back as text.
#include "neural/scatter_svg.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <random>
#include <string>

#include "report/report_tools.h"

namespace neuroreg {
namespace {

namespace fs = std::filesystem;

// A fresh folder under the system's temporary folder, removed with everything
// in it at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::random_device entropy;
    path_ = fs::temp_directory_path() /
            ("neuroreg-pictures-" + std::string(test->name()) + "-" + std::to_string(entropy()));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

using testing::count;
using testing::read_text;

TEST(ScatterSvg, DrawsOneCircleAPointWithAxesTicksAndALegend) {
  ScratchDir dir;
  const std::string path = dir / "fig1d.svg";
  ScatterSeries data{"S_data", {0.0, 0.2, 0.4, 0.6}, {0.1, 0.1, 0.3, 0.5}, "#1f77b4"};
  ScatterSeries model{"S_model", {0.0, 0.5, 1.0}, {0.0, 0.4, 0.9}, ""};
  ScatterAxes axes;
  axes.title = "Single pairs";
  axes.x_label = "S_oracle";
  axes.y_label = "similarity";
  axes.diagonal = true;
  write_scatter_svg({data, model}, axes, path);

  const std::string svg = read_text(path);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(count(svg, "<circle"), 7u);
  EXPECT_EQ(count(svg, ">S_data</text>"), 1u);
  EXPECT_EQ(count(svg, ">S_model</text>"), 1u);
  EXPECT_NE(svg.find("fill=\"#1f77b4\""), std::string::npos);
  EXPECT_NE(svg.find(">Single pairs</text>"), std::string::npos);
  EXPECT_NE(svg.find(">S_oracle</text>"), std::string::npos);
  EXPECT_NE(svg.find(">similarity</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0.0</text>"),
            std::string::npos);  // ticks 0.0, 0.2, ... on [−0.05, 1.05]
  EXPECT_NE(svg.find(">1.0</text>"), std::string::npos);
  EXPECT_NE(svg.find("class=\"diagonal\""), std::string::npos);
  EXPECT_NE(svg.find("fill-opacity=\"0.35\""), std::string::npos);

  axes.diagonal = false;
  write_scatter_svg({data, model}, axes, path);
  EXPECT_EQ(read_text(path).find("class=\"diagonal\""), std::string::npos);
}

TEST(ScatterSvg, DrawsAnEvenlySpacedSubsampleOfALargeSeriesAndSaysSo) {
  ScratchDir dir;
  const std::string path = dir / "many.svg";
  ScatterSeries many{"S_data", {}, {}, ""};
  for (int i = 0; i < 12000; ++i) {
    many.x.push_back(i / 12000.0);
    many.y.push_back(std::sin(i));
  }
  ScatterSeries few{"S_model", {0.1, 0.2}, {0.1, 0.2}, ""};
  write_scatter_svg({many, few}, ScatterAxes{}, path);
  const std::string svg = read_text(path);
  EXPECT_EQ(count(svg, "<circle"), 5002u);
  EXPECT_NE(svg.find(">S_data (5000 of 12000 shown)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">S_model</text>"), std::string::npos);
  EXPECT_EQ(svg, (write_scatter_svg({many, few}, ScatterAxes{}, path), read_text(path)))
      << "the subsample is the same every time";

  ScatterAxes fewer;
  fewer.max_points = 100;
  write_scatter_svg({many}, fewer, path);
  EXPECT_EQ(count(read_text(path), "<circle"), 100u);
}

TEST(ScatterSvg, LeavesOutPointsThatAreNotFinite) {
  ScratchDir dir;
  const std::string path = dir / "nan.svg";
  const double nan = std::numeric_limits<double>::quiet_NaN();
  write_scatter_svg({{"S", {0.0, nan, 1.0}, {0.0, 1.0, INFINITY}, ""}}, ScatterAxes{}, path);
  const std::string svg = read_text(path);
  EXPECT_EQ(count(svg, "<circle"), 1u);
  EXPECT_NE(svg.find(">S (1 of 3 shown)</text>"), std::string::npos);
}

TEST(ScatterSvg, EscapesTextForXml) {
  ScratchDir dir;
  const std::string path = dir / "escaped.svg";
  ScatterAxes axes;
  axes.title = "S_data <vs> S_oracle & \"friends\"";
  axes.x_label = "it's";
  write_scatter_svg({{"a<b & c", {0.0}, {0.0}, "red\"/><script/>"}}, axes, path);
  const std::string svg = read_text(path);
  EXPECT_NE(svg.find(">S_data &lt;vs&gt; S_oracle &amp; &quot;friends&quot;</text>"),
            std::string::npos);
  EXPECT_NE(svg.find(">it&apos;s</text>"), std::string::npos);
  EXPECT_NE(svg.find(">a&lt;b &amp; c</text>"), std::string::npos);
  EXPECT_EQ(svg.find("<vs>"), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("a<b"), std::string::npos);
}

TEST(ScatterSvg, UsesTheGivenRangesAndRejectsEmptyOnes) {
  ScratchDir dir;
  const std::string path = dir / "ranges.svg";
  ScatterAxes axes;
  axes.x_min = -1, axes.x_max = 1, axes.y_min = 0, axes.y_max = 10;
  write_scatter_svg({{"S", {0.0, 5.0}, {0.0, 20.0}, ""}}, axes, path);
  const std::string svg = read_text(path);
  EXPECT_NE(svg.find(">-1.0</text>"), std::string::npos);
  EXPECT_NE(svg.find(">10</text>"), std::string::npos);
  EXPECT_EQ(count(svg, "<circle"), 2u) << "points outside the ranges are clipped, not dropped";
  axes.y_max = -1;
  EXPECT_THROW(write_scatter_svg({}, axes, path), std::invalid_argument);
}

TEST(ScatterSvg, RejectsASeriesWithMoreXThanYNamingThePath) {
  ScratchDir dir;
  const std::string path = dir / "bad.svg";
  try {
    write_scatter_svg({{"S_data", {0.0, 1.0}, {0.0}, ""}}, ScatterAxes{}, path);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("S_data"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(ScatterSvg, NamesThePathWhenItCannotBeWritten) {
  ScratchDir dir;
  std::ofstream(dir / "a-file") << "not a folder";
  const std::string path = dir / "a-file/fig.svg";
  try {
    write_scatter_svg({{"S", {0.0}, {0.0}, ""}}, ScatterAxes{}, path);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace neuroreg
