// Paired differences to the baseline on hand-built cells (report_fixtures.h):
// pairing by seed and by the grid axes outside [[regularizer]], unpaired and
// non-finite pairs left out and counted, Holm within families, and the
// claims as printed. The arithmetic is in the comments.
#include "report/differences.h"

#include <gtest/gtest.h>

#include <cmath>

#include "report/report_fixtures.h"

namespace neuroreg {
namespace {

using testing::example_cells;
using testing::kInf;
using testing::make_cell;

const Difference* find(const Differences& ds, const std::string& group, const std::string& metric) {
  for (const Difference& d : ds.rows) {
    if (d.group == group && d.metric == metric) return &d;
  }
  return nullptr;
}

TEST(Differences, DefaultBaselineIsTheNoneRegularizer) {
  EXPECT_EQ(default_baseline(example_cells()).label, "none");
  const std::vector<std::pair<std::string, std::string>> two = {{"a", "none"}, {"b", "none"}};
  EXPECT_EQ(default_baseline(two).label, "");
  EXPECT_NE(default_baseline(two).reason.find("(a, b)"), std::string::npos);
}

TEST(Differences, PairsBySeedAndMatchesHandArithmetic) {
  const auto ds = paired_differences(example_cells(), default_baseline(example_cells()));
  EXPECT_EQ(ds.compared_groups, 2);
  EXPECT_EQ(ds.unpaired_cells, 0);  // every cell has a partner (pixel-alpha2's seed 1 too)
  // clean: pixel-alpha8 .90 .92 .94 minus none .88 .89 .93 = .02 .03 .01: mean .02,
  // SD .01, SEM .01/√3; t = 2√3 with 2 df: p = 1 − t/√(t² + 2) = 1 − √(12/14).
  const Difference* clean = find(ds, "pixel-alpha8", "clean");
  ASSERT_NE(clean, nullptr);
  EXPECT_EQ(clean->baseline, "none, \"plain\"");
  EXPECT_EQ(clean->family, "clean");
  EXPECT_TRUE(clean->accuracy);
  EXPECT_EQ(clean->stats.n, 3);
  EXPECT_NEAR(clean->stats.mean, 0.02, 1e-12);
  EXPECT_NEAR(clean->stats.sem, 0.01 / std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(clean->stats.p, 1 - std::sqrt(12.0 / 14.0), 1e-9);
  EXPECT_DOUBLE_EQ(clean->p_holm, clean->stats.p);  // a family of one
  EXPECT_EQ(clean->stats.agreeing, 3);
  EXPECT_EQ(clean->unpaired, 0);
  // Not significant: a planning figure; effect .02/.01 = 2 SDs needs few seeds.
  EXPECT_GE(clean->seeds_for_power, 2);
  EXPECT_LE(clean->seeds_for_power, 6);
}

TEST(Differences, InfiniteValuesLeaveTheirPairOutAndAreCounted) {
  // L2 median: pixel-alpha8 .5 .7 ∞ minus none .3 .35 .4: the ∞ pair is left
  // out; .2 and .35 remain: mean .275, SD .15/√2, SEM .075.
  const auto ds = paired_differences(example_cells(), default_baseline(example_cells()));
  const Difference* l2 = find(ds, "pixel-alpha8", "L2/median");
  ASSERT_NE(l2, nullptr);
  EXPECT_EQ(l2->stats.n, 2);
  EXPECT_EQ(l2->unpaired, 1);
  EXPECT_FALSE(l2->accuracy);
  EXPECT_EQ(l2->family, "perturbation medians");
  EXPECT_NEAR(l2->stats.mean, 0.275, 1e-12);
  EXPECT_NEAR(l2->stats.sem, 0.075, 1e-12);
}

TEST(Differences, AMissingSeedLeavesOnePairAndCountsTheRest) {
  // pixel-alpha2 has seed 1 only: clean .91 − .88 = .03, n = 1 (mean only);
  // the baseline's seeds 2 and 3 have no partner in it.
  const auto ds = paired_differences(example_cells(), default_baseline(example_cells()));
  const Difference* one = find(ds, "pixel-alpha2", "clean");
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->stats.n, 1);
  EXPECT_NEAR(one->stats.mean, 0.03, 1e-12);
  EXPECT_TRUE(std::isnan(one->stats.p) && std::isnan(one->p_holm));
  EXPECT_EQ(one->unpaired, 2);
  EXPECT_EQ(one->seeds_for_power, -1);
}

TEST(Differences, ZeroVarianceDifferencesHaveAPointCiAndNoPowerFigure) {
  // Every cell has the same corruption accuracies: all differences are 0.
  const auto ds = paired_differences(example_cells(), default_baseline(example_cells()));
  const Difference* same = find(ds, "pixel-alpha8", "corruption/brightness/mean");
  ASSERT_NE(same, nullptr);
  EXPECT_EQ(same->family, "corruption kinds");
  EXPECT_DOUBLE_EQ(same->stats.mean, 0);
  EXPECT_DOUBLE_EQ(same->stats.ci_low, 0);
  EXPECT_DOUBLE_EQ(same->stats.ci_high, 0);
  EXPECT_DOUBLE_EQ(same->stats.p, 1);
  EXPECT_EQ(same->seeds_for_power, -1);
  // Per-severity accuracies, success rates and training figures are no claims.
  EXPECT_EQ(find(ds, "pixel-alpha8", "corruption/brightness/5"), nullptr);
  EXPECT_EQ(find(ds, "pixel-alpha8", "L2/success_rate"), nullptr);
  EXPECT_EQ(find(ds, "pixel-alpha8", "wall_seconds"), nullptr);
  EXPECT_EQ(find(ds, "pixel-alpha8", "epoch/3/loss"), nullptr);
  EXPECT_NE(find(ds, "pixel-alpha8", "corruption/mean"), nullptr);
  EXPECT_NE(find(ds, "pixel-alpha8", "Linf/mean"), nullptr);
}

TEST(Differences, HolmCorrectsWithinTheNoiseFamily) {
  const auto ds = paired_differences(example_cells(), default_baseline(example_cells()));
  const Difference* a = find(ds, "pixel-alpha8", "noise/0.1");
  const Difference* b = find(ds, "pixel-alpha8", "noise/0.2");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->family, "noise σ");
  // Two tests: the smaller p doubles, the larger is at least that.
  const Difference* low = a->stats.p < b->stats.p ? a : b;
  const Difference* high = low == a ? b : a;
  EXPECT_NEAR(low->p_holm, std::min(1.0, 2 * low->stats.p), 1e-12);
  EXPECT_NEAR(high->p_holm, std::max(low->p_holm, high->stats.p), 1e-12);
}

TEST(Differences, WithoutABaselineThereAreNoRowsAndTheReasonIsSaid) {
  std::vector<CellResult> cells;
  for (const auto& c : example_cells()) {
    if (c.run.regularizer() != "none") cells.push_back(c);
  }
  const Baseline none = default_baseline(cells);
  const auto ds = paired_differences(cells, none);
  EXPECT_TRUE(ds.rows.empty());
  EXPECT_EQ(format_claims(ds),
            "No claims: no baseline: no [[regularizer]] is `none` and [compare] baseline is not "
            "set.\n");
  EXPECT_EQ(differences_csv(ds).find("\r\n") + 2, differences_csv(ds).size());  // header only
}

TEST(Differences, ABaselineGroupComparesTheOtherValuesOfItsOwnAxisWithIt) {
  // Baseline pixel-alpha8 (one group of the label pixel): none and
  // pixel-alpha2 are compared with it. clean, none − pixel-alpha8 per seed:
  // .88−.90, .89−.92, .93−.94 = −.02 −.03 −.01 (mean −.02); pixel-alpha2 has
  // seed 1 only: .91 − .90 = .01, and pixel-alpha8's seeds 2 and 3 count as
  // its unpaired partners.
  const auto ds = paired_differences(example_cells(), Baseline{"pixel-alpha8", ""});
  EXPECT_EQ(ds.compared_groups, 2);
  const Difference* none = find(ds, "none, \"plain\"", "clean");
  const Difference* alpha2 = find(ds, "pixel-alpha2", "clean");
  ASSERT_TRUE(none && alpha2);
  EXPECT_EQ(none->baseline, "pixel-alpha8");
  EXPECT_EQ(alpha2->baseline, "pixel-alpha8");
  EXPECT_NEAR(none->stats.mean, -0.02, 1e-12);
  EXPECT_EQ(none->stats.n, 3);
  EXPECT_NEAR(alpha2->stats.mean, 0.01, 1e-12);
  EXPECT_EQ(alpha2->stats.n, 1);
  EXPECT_EQ(alpha2->unpaired, 2);
  for (const Difference& d : ds.rows) EXPECT_NE(d.group, "pixel-alpha8") << d.metric;
}

TEST(Differences, AnExtraGridAxisPairsWithinItsValue) {
  // none and pixel at train.epochs 3 and 4, seeds 1 and 2; clean:
  //   none-epochs3 .50 .52   none-epochs4 .70 .72
  //   pixel-epochs3 .55 .58  pixel-epochs4 .71 .75
  // Within the axis value: epochs3 .05 .06 (mean .055), epochs4 .01 .03 (mean .02).
  // Paired across it the means would be −.145 and .21. pixel-epochs5 has no
  // partner at all: no row, and its cell counts as unpaired.
  std::vector<CellResult> cells;
  auto add = [&](const std::string& reg, int epochs, int64_t seed, double clean) {
    const std::string group = reg + "-epochs" + std::to_string(epochs);
    CellResult c = make_cell({group, group + "-seed" + std::to_string(seed), reg, 0, seed, clean,
                              .5, .4, .3, .002});
    c.axes.insert(c.axes.begin() + 2, {"train.epochs", std::to_string(epochs)});
    cells.push_back(std::move(c));
  };
  add("none", 3, 1, .50);
  add("none", 3, 2, .52);
  add("none", 4, 1, .70);
  add("none", 4, 2, .72);
  add("pixel", 3, 1, .55);
  add("pixel", 3, 2, .58);
  add("pixel", 4, 1, .71);
  add("pixel", 4, 2, .75);
  add("pixel", 4, 7, .99);  // seed 7 has no baseline partner
  add("pixel", 5, 1, .90);  // no baseline cell at epochs 5: n = 0, no row
  const auto ds = paired_differences(cells, default_baseline(cells));
  const Difference* three = find(ds, "pixel-epochs3", "clean");
  const Difference* four = find(ds, "pixel-epochs4", "clean");
  ASSERT_TRUE(three && four);
  EXPECT_EQ(three->baseline, "none-epochs3");
  EXPECT_EQ(four->baseline, "none-epochs4");
  EXPECT_NEAR(three->stats.mean, 0.055, 1e-12);
  EXPECT_NEAR(four->stats.mean, 0.02, 1e-12);
  EXPECT_EQ(four->stats.n, 2);
  EXPECT_EQ(four->unpaired, 1);
  EXPECT_EQ(ds.unpaired_cells, 2);
  EXPECT_EQ(ds.compared_groups, 3);
  for (const Difference& d : ds.rows) EXPECT_NE(d.group, "pixel-epochs5") << d.metric;
}

TEST(Differences, ClaimsReadAsOneLinePerMetric) {
  // clean of pixel-alpha8: +2.0 points; CI .02 ± t_{.975,2}·.01/√3 =
  // .02 ± 4.302653·.0057735 = .02 ± .024841 → −0.5 … +4.5 points;
  // p = 1 − √(12/14) = .0742.
  const auto ds = paired_differences(example_cells(), default_baseline(example_cells()));
  const std::string text = format_claims(ds);
  EXPECT_NE(text.find("  pixel-alpha8 − none, \"plain\", clean: +2.0 points, 95 % CI −0.5 … "
                      "+4.5, 3/3 seeds, p = 0.074 (Holm 0.074)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("pixel-alpha2 − none, \"plain\", clean: +3.0 points, 1/1 seeds (one pair: "
                      "no CI, no p); 1 paired, 2 unpaired\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("pixel-alpha8 − none, \"plain\", L2 median: +0.275"), std::string::npos);
  EXPECT_NE(text.find("differences.csv has every claim"), std::string::npos);
  // Corruptions are in the file, not on the terminal.
  EXPECT_EQ(text.find("brightness"), std::string::npos);
}

}  // namespace
}  // namespace neuroreg
