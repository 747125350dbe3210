// Mean, SEM and n per group against values computed by hand, the n = 1
// case, and non-finite values left out and counted.
#include "report/aggregate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "report/report_fixtures.h"

namespace neuroreg {
namespace {

using testing::kInf;

TEST(Aggregate, MeanSemAndNFromHandValues) {
  const Summary s = summarize({0.90, 0.92, 0.94});
  EXPECT_NEAR(s.mean, 0.92, 1e-12);
  // Sample SD 0.02 (n − 1 = 2 in the denominator), over √3.
  EXPECT_NEAR(s.sem, 0.02 / std::sqrt(3.0), 1e-12);
  EXPECT_EQ(s.n, 3);
  EXPECT_EQ(s.excluded, 0);
}

TEST(Aggregate, OneValueHasNoSem) {
  const Summary s = summarize({0.91});
  EXPECT_DOUBLE_EQ(s.mean, 0.91);
  EXPECT_TRUE(std::isnan(s.sem)) << "SEM of one value is undefined, not " << s.sem;
  EXPECT_EQ(s.n, 1);
}

TEST(Aggregate, NonFiniteValuesAreExcludedAndCounted) {
  const Summary s = summarize({0.5, kInf, 0.7, std::nan("")});
  EXPECT_NEAR(s.mean, 0.6, 1e-12);
  EXPECT_NEAR(s.sem, 0.1, 1e-12);  // SD √0.02 over √2
  EXPECT_EQ(s.n, 2);
  EXPECT_EQ(s.excluded, 2);
  EXPECT_EQ(s.infinite, 1);

  const Summary none = summarize({kInf, kInf});
  EXPECT_EQ(none.n, 0);
  EXPECT_TRUE(std::isnan(none.mean));
  EXPECT_EQ(none.infinite, 2);
}

TEST(Aggregate, GroupsInOrderOfFirstCellWithTheirStatistics) {
  const auto cells = testing::example_cells();
  const auto groups = aggregate_groups(cells);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].group, "pixel-alpha8");
  EXPECT_EQ(groups[1].group, "none, \"plain\"");
  EXPECT_EQ(groups[2].group, "pixel-alpha2");
  EXPECT_EQ(groups[0].cells, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(groups[2].cells, (std::vector<std::size_t>{6}));

  const Summary* clean = groups[0].find("clean");
  ASSERT_NE(clean, nullptr);
  EXPECT_NEAR(clean->mean, 0.92, 1e-12);
  EXPECT_NEAR(clean->sem, 0.02 / std::sqrt(3.0), 1e-12);
  EXPECT_EQ(clean->n, 3);

  const Summary* noise = groups[0].find("noise/0.1");
  ASSERT_NE(noise, nullptr);
  EXPECT_NEAR(noise->mean, 0.83, 1e-12);
  EXPECT_NEAR(noise->sem, 0.03 / std::sqrt(3.0), 1e-12);

  // .88 .89 .93: deviations −.02 −.01 .03, squares sum .0014, SD² = .0007.
  const Summary* none_clean = groups[1].find("clean");
  ASSERT_NE(none_clean, nullptr);
  EXPECT_NEAR(none_clean->mean, 0.90, 1e-12);
  EXPECT_NEAR(none_clean->sem, std::sqrt(0.0007 / 3), 1e-12);

  const Summary* median = groups[0].find("L2/median");
  ASSERT_NE(median, nullptr);
  EXPECT_NEAR(median->mean, 0.6, 1e-12);
  EXPECT_NEAR(median->sem, 0.1, 1e-12);
  EXPECT_EQ(median->n, 2);
  EXPECT_EQ(median->infinite, 1);

  const Summary* single = groups[2].find("clean");
  ASSERT_NE(single, nullptr);
  EXPECT_DOUBLE_EQ(single->mean, 0.91);
  EXPECT_EQ(single->n, 1);
  EXPECT_TRUE(std::isnan(single->sem));

  // Every epoch's γ of every tap is aggregated too.
  const Summary* gamma = groups[0].find("epoch/3/gamma/conv13");
  ASSERT_NE(gamma, nullptr);
  EXPECT_NEAR(gamma->mean, 0.59, 1e-12);
  EXPECT_EQ(groups[0].find("no/such/metric"), nullptr);
}

}  // namespace
}  // namespace neuroreg
