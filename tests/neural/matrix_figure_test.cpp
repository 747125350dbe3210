// Heatmaps as gnuplot scripts, and as gnuplot draws them (their embedded
// PNGs decoded pixel by pixel, their labels read as text).
#include "neural/matrix_figure.h"

#include <gtest/gtest.h>
#include <png.h>
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "report/report_tools.h"

namespace neuroreg {
namespace {

using testing::count;

// The bytes of base64 text (the alphabet of RFC 4648; anything else skipped).
std::string base64_decode(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t bits = 0;
  int held = 0;
  for (const char c : text) {
    const std::size_t v = kAlphabet.find(c);
    if (v == std::string::npos) continue;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    held += 6;
    if (held >= 8) {
      held -= 8;
      out += static_cast<char>((bits >> held) & 0xFF);
    }
  }
  return out;
}

struct Rgb {
  std::vector<uint8_t> pixels;
  int width = 0, height = 0;
  std::array<uint8_t, 3> at(int x, int y) const {
    const uint8_t* p = pixels.data() + (static_cast<std::size_t>(y) * width + x) * 3;
    return {p[0], p[1], p[2]};
  }
};

// The PNG images gnuplot embedded in an SVG (<image ... href='data:image/png;base64,...'>).
std::vector<Rgb> embedded_images(const std::string& svg) {
  std::vector<Rgb> images;
  const std::string marker = "data:image/png;base64,";
  for (std::size_t at = svg.find(marker); at != std::string::npos; at = svg.find(marker, at + 1)) {
    const std::size_t start = at + marker.size();
    const std::string png = base64_decode(svg.substr(start, svg.find('\'', start) - start));
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    Rgb out;
    if (!png_image_begin_read_from_memory(&image, png.data(), png.size())) {
      ADD_FAILURE() << image.message;
      continue;
    }
    image.format = PNG_FORMAT_RGB;
    out.width = static_cast<int>(image.width);
    out.height = static_cast<int>(image.height);
    out.pixels.resize(PNG_IMAGE_SIZE(image));
    if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)) {
      ADD_FAILURE() << image.message;
    }
    images.push_back(std::move(out));
  }
  return images;
}

bool reddish(std::array<uint8_t, 3> c) { return c[0] > c[2] + 60; }
bool bluish(std::array<uint8_t, 3> c) { return c[2] > c[0] + 60; }
bool white(std::array<uint8_t, 3> c) { return c[0] > 245 && c[1] > 245 && c[2] > 245; }

// Entry (0, 1) is high, (1, 2) low, (2, 0) zero; the rest in between.
const torch::Tensor& three_images() {
  static const torch::Tensor s = torch::tensor({{1.0, 0.5, 0.25},  //
                                                {0.25, 1.0, -0.5},
                                                {0.0, 0.25, 1.0}});
  return s;
}

TEST(MatrixFigure, ColourLimitIsTheLargestOffDiagonalMagnitude) {
  EXPECT_DOUBLE_EQ(colour_limit(three_images()), 0.5);
  EXPECT_DOUBLE_EQ(colour_limit(torch::tensor({{9.0, -0.25}, {0.125, 9.0}})), 0.25);
  EXPECT_DOUBLE_EQ(colour_limit(torch::eye(3)), 1.0) << "nothing off the diagonal: [-1, 1]";
  EXPECT_DOUBLE_EQ(colour_limit(torch::ones({1, 1})), 1.0);
  EXPECT_EQ(colour_tick_label(-0.041700001806), "-0.0417");
  EXPECT_EQ(colour_tick_label(0.5), "0.5");
  EXPECT_EQ(colour_tick_label(0.51234), "0.512");
}

TEST(MatrixFigure, ScriptCarriesTheMatricesInOrderEachWithItsOwnColourBar) {
  MatrixFigure figure{"Three images",
                      "image (cluster order)",
                      {{"S_oracle (Eq. 3)", three_images()}, {"S_model", 2 * three_images()}},
                      {2, 0, 1}};
  const std::string script = matrix_figure_script(figure);
  EXPECT_NE(script.find("set terminal svg size 920,440 "), std::string::npos) << script;
  EXPECT_NE(script.find("set multiplot layout 1,2 title 'Three images'"), std::string::npos);
  EXPECT_NE(script.find("set xlabel 'image (cluster order)'"), std::string::npos);
  EXPECT_NE(script.find("set ylabel 'image (cluster order)'"), std::string::npos);
  EXPECT_NE(script.find("set yrange [2.5:-0.5]"), std::string::npos) << "row 0 on top";
  // Row/column k shows image order[k]: rows 2, 0, 1, each in columns 2, 0, 1.
  EXPECT_NE(script.find("$panel0 << EOD\n1 0 0.25\n0.25 1 0.5\n-0.5 0.25 1\nEOD\n"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("set title 'S_oracle (Eq. 3)'\nset cbrange [-0.5:0.5]\n"
                        "set cbtics ('-0.5' -0.5, '0' 0, '0.5' 0.5)\n"
                        "plot $panel0 matrix with image\n"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("set title 'S_model'\nset cbrange [-1:1]\n"
                        "set cbtics ('-1' -1, '0' 0, '1' 1)\n"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("unset multiplot"), std::string::npos);
}

TEST(MatrixFigure, GnuplotDrawsEachCellInOrderFromBlueThroughWhiteToRed) {
  const std::string gnuplot = testing::require_program("gnuplot", "gnuplot-nox");
  if (gnuplot.empty()) return;
  MatrixFigure figure{"Three images",
                      "image (cluster order)",
                      {{"S_oracle (Eq. 3)", three_images()}, {"S_model (Eq. 6)", -three_images()}},
                      {2, 0, 1}};
  const std::string svg = draw_matrix_figure(figure, gnuplot);
  for (const char* text : {"Three images", "S_oracle (Eq. 3)", "S_model (Eq. 6)", "-0.5", "0.5"}) {
    EXPECT_NE(svg.find("<text>" + std::string(text) + "</text>"), std::string::npos) << text;
  }
  EXPECT_EQ(count(svg, "<text>image (cluster order)</text>"), 4u);
  EXPECT_EQ(count(svg, "<image style='image-rendering:pixelated' "), 2u);

  const std::vector<Rgb> images = embedded_images(svg);
  ASSERT_EQ(images.size(), 2u);
  for (std::size_t p = 0; p < images.size(); ++p) {
    SCOPED_TRACE("panel " + std::to_string(p));
    const Rgb& png = images[p];
    ASSERT_EQ(png.width, 3);
    ASSERT_EQ(png.height, 3);
    // Image 0 is at picture position 1, image 1 at 2, image 2 at 0 (x = column, y = row).
    const auto high = png.at(2, 1), low = png.at(0, 2), zero = png.at(1, 0);
    EXPECT_TRUE(p == 0 ? reddish(high) : bluish(high)) << int(high[0]) << " " << int(high[2]);
    EXPECT_TRUE(p == 0 ? bluish(low) : reddish(low)) << int(low[0]) << " " << int(low[2]);
    EXPECT_TRUE(white(zero)) << int(zero[0]) << " " << int(zero[1]) << " " << int(zero[2]);
  }
}

TEST(MatrixFigure, RejectsBadPanelsAndOrdersNamingTheFigure) {
  auto message = [](const MatrixFigure& figure) {
    try {
      matrix_figure_script(figure);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  const std::string name = "matrix figure 'Fig'";
  MatrixFigure figure{"Fig", "image", {{"S", torch::eye(3)}}, {0, 1, 2}};
  EXPECT_EQ(message(figure), "no exception");
  figure.panels = {};
  EXPECT_EQ(message(figure), name + ": no matrix to draw");
  figure.panels = {{"S", torch::zeros({3, 4})}};
  EXPECT_EQ(message(figure), name + ": panel 'S' must be square and not empty, got [3, 4]");
  figure.panels = {{"S", torch::eye(3)}, {"T", torch::eye(2)}};
  EXPECT_EQ(message(figure), name + ": panel 'T' is [2, 2] but panel 'S' is [3, 3]");
  figure.panels = {{"S", torch::full({3, 3}, NAN)}};
  EXPECT_EQ(message(figure), name + ": panel 'S' has values that are not finite");
  figure.panels = {{"S", torch::eye(3)}};
  figure.order = {0, 1};
  EXPECT_EQ(message(figure), name + ": the order has 2 entries for a [3, 3] matrix");
  figure.order = {0, 1, 1};
  EXPECT_NE(message(figure).find("not a permutation of 0..2"), std::string::npos);
  figure.order = {0, 1, 3};
  EXPECT_NE(message(figure).find("3 is out of range or repeated"), std::string::npos);
}

}  // namespace
}  // namespace neuroreg
