// Report pictures: the clustering order against a brute-force reference and
// planted blocks; heatmaps as gnuplot scripts, and as gnuplot draws them
// (their embedded PNGs decoded pixel by pixel, their labels read as text);
// the scatter SVG read back as text.
#include "neural/pictures.h"

#include <gtest/gtest.h>
#include <png.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>

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

// Pairs in a block are similar (about 0.8), pairs across blocks are not
// (about 0.1), with some noise; images are handed out to blocks at random.
torch::Tensor block_similarity(const std::vector<int64_t>& block_of, uint64_t seed) {
  const auto n = static_cast<int64_t>(block_of.size());
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> noise(-0.1, 0.1);
  torch::Tensor s = torch::eye(n, torch::kDouble);
  auto a = s.accessor<double, 2>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) {
      a[i][j] = a[j][i] = (block_of[i] == block_of[j] ? 0.8 : 0.1) + noise(rng);
    }
  }
  return s;
}

// Average linkage as defined: merge the closest pair (lowest indices on
// ties), every pair looked at every time.
std::vector<int64_t> brute_force_order(const torch::Tensor& similarity) {
  const int64_t n = similarity.size(0);
  std::vector<std::vector<double>> d(n, std::vector<double>(n));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      d[i][j] = 1.0 - 0.5 * (similarity[i][j].item<double>() + similarity[j][i].item<double>());
    }
  }
  std::vector<bool> live(n, true);
  std::vector<std::vector<int64_t>> members(n);
  for (int64_t i = 0; i < n; ++i) members[i] = {i};
  for (int64_t merges = 1; merges < n; ++merges) {
    int64_t a = -1, b = -1;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = i + 1; j < n; ++j) {
        if (live[i] && live[j] && (a < 0 || d[i][j] < d[a][b])) a = i, b = j;
      }
    }
    const double wa = static_cast<double>(members[a].size());
    const double wb = static_cast<double>(members[b].size());
    for (int64_t k = 0; k < n; ++k) {
      if (live[k] && k != a && k != b) {
        d[a][k] = d[k][a] = (wa * d[a][k] + wb * d[b][k]) / (wa + wb);
      }
    }
    live[b] = false;
    members[a].insert(members[a].end(), members[b].begin(), members[b].end());
  }
  return members[0];
}

TEST(ClusterOrder, PutsTheImagesOfOneBlockNextToEachOther) {
  std::vector<int64_t> block_of;
  for (int64_t block = 0; block < 4; ++block) block_of.insert(block_of.end(), 3 + 2 * block, block);
  std::shuffle(block_of.begin(), block_of.end(), std::mt19937_64(7));
  const std::vector<int64_t> order = cluster_order(block_similarity(block_of, 1));

  ASSERT_EQ(order.size(), block_of.size());
  int changes = 0;
  for (std::size_t k = 1; k < order.size(); ++k)
    changes += block_of[order[k]] != block_of[order[k - 1]];
  EXPECT_EQ(changes, 3) << "each of the 4 blocks should be one run";
}

TEST(ClusterOrder, MergesTheClosestPairFirstLikeABruteForceSearch) {
  torch::manual_seed(3);
  for (const int64_t n : {2, 3, 7, 40, 90}) {
    const torch::Tensor x = torch::randn({n, 5}, torch::kDouble);
    const torch::Tensor e =
        torch::nn::functional::normalize(x, torch::nn::functional::NormalizeFuncOptions().dim(1));
    const torch::Tensor s = e.matmul(e.t());
    EXPECT_EQ(cluster_order(s), brute_force_order(s)) << n << " images";
    // Similarities on a coarse grid: many exactly equal distances, where
    // only the tie rule decides.
    const torch::Tensor coarse = (s * 4).round() / 4;
    EXPECT_EQ(cluster_order(coarse), brute_force_order(coarse)) << n << " images, with ties";
  }
}

TEST(ClusterOrder, BreaksTiesByIndexSoEqualSimilaritiesKeepTheImageOrder) {
  std::vector<int64_t> identity(6);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(cluster_order(torch::full({6, 6}, 0.3)), identity);
  // Two blocks with identical entries: 0, 2, 4 and 1, 3, 5.
  const torch::Tensor s = block_similarity({0, 1, 0, 1, 0, 1}, 0).round();  // 1 or 0
  EXPECT_EQ(cluster_order(s), (std::vector<int64_t>{0, 2, 4, 1, 3, 5}));
}

TEST(ClusterOrder, UsesTheSymmetricPartOfAnAsymmetricMatrix) {
  torch::manual_seed(4);
  const torch::Tensor s = torch::rand({12, 12}, torch::kDouble);
  EXPECT_EQ(cluster_order(s), cluster_order((s + s.t()) / 2));
}

TEST(ClusterOrder, OrdersAThousandImagesIntoAPermutation) {
  std::vector<int64_t> block_of(1000);
  for (std::size_t i = 0; i < block_of.size(); ++i)
    block_of[i] = static_cast<int64_t>(i * 7919 % 10);
  const torch::Tensor s = block_similarity(block_of, 2);
  // Its speed is `neuroreg neural bench`'s business.
  std::vector<int64_t> order = cluster_order(s);
  std::sort(order.begin(), order.end());
  std::vector<int64_t> identity(1000);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(order, identity);
}

TEST(ClusterOrder, HandlesZeroAndOneImages) {
  EXPECT_TRUE(cluster_order(torch::zeros({0, 0})).empty());
  EXPECT_EQ(cluster_order(torch::ones({1, 1})), (std::vector<int64_t>{0}));
}

TEST(ClusterOrder, RejectsANonSquareOrNonFiniteMatrix) {
  try {
    cluster_order(torch::zeros({3, 4}));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[3, 4]"), std::string::npos) << e.what();
  }
  torch::Tensor s = torch::eye(3);
  s[0][2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(cluster_order(s), std::invalid_argument);
}

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
