// Paired statistics against values worked out by hand or from closed forms
// (the arithmetic is in the comments), and against printed t tables.
#include "report/paired_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace neuroreg {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(PairedStats, ThreeSeedsByHand) {
  // d = .02 .05 .08: mean .05; deviations −.03 0 .03, SS = .0018, var = .0009,
  // SD = .03, SEM = .03/√3 = .0173205. t = .05/SEM = 5/√3 = 2.886751, df = 2.
  // For 2 df, P(|T| > t) = 1 − t/√(t² + 2) = 1 − √(25/31) = 1 − 5/√31.
  // CI: .05 ± t_{.975,2}·SEM = .05 ± 4.302653·.0173205 = .05 ± .0745241.
  // Sign test: 3 of 3 positive, p = 2·(½)³ = .25.
  const PairedStats s = paired_stats({0.02, 0.05, 0.08});
  EXPECT_EQ(s.n, 3);
  EXPECT_NEAR(s.mean, 0.05, 1e-12);
  EXPECT_NEAR(s.sd, 0.03, 1e-12);
  EXPECT_NEAR(s.sem, 0.03 / std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(s.ci_low, 0.05 - 0.0745241, 1e-6);
  EXPECT_NEAR(s.ci_high, 0.05 + 0.0745241, 1e-6);
  EXPECT_NEAR(s.p, 1 - 5 / std::sqrt(31.0), 1e-9);
  EXPECT_EQ(s.agreeing, 3);
  EXPECT_NEAR(s.p_sign, 0.25, 1e-12);
}

TEST(PairedStats, TwoSeedsUseOneDegreeOfFreedom) {
  // d = 1, 3: mean 2, SS = 2, SD = √2, SEM = 1, t = 2 with 1 df (Cauchy):
  // p = 1 − (2/π)·atan(2) = .2951672. CI: 2 ± 12.7062047·1.
  const PairedStats s = paired_stats({1, 3});
  EXPECT_NEAR(s.sem, 1, 1e-12);
  EXPECT_NEAR(s.p, 1 - 2 / kPi * std::atan(2.0), 1e-9);
  EXPECT_NEAR(s.ci_low, 2 - 12.7062047, 1e-6);
  EXPECT_NEAR(s.ci_high, 2 + 12.7062047, 1e-6);
  EXPECT_NEAR(s.p_sign, 0.5, 1e-12);  // 2 of 2 positive: 2·(½)²
}

TEST(PairedStats, OneSeedHasAMeanOnly) {
  const PairedStats s = paired_stats({0.3});
  EXPECT_EQ(s.n, 1);
  EXPECT_DOUBLE_EQ(s.mean, 0.3);
  EXPECT_TRUE(std::isnan(s.sem));
  EXPECT_TRUE(std::isnan(s.ci_low) && std::isnan(s.ci_high));
  EXPECT_TRUE(std::isnan(s.p));
  EXPECT_EQ(s.agreeing, 1);
  EXPECT_DOUBLE_EQ(s.p_sign, 1.0);  // one non-zero difference: 2·½
}

TEST(PairedStats, NoDifferencesDefineNothing) {
  const PairedStats s = paired_stats({});
  EXPECT_EQ(s.n, 0);
  EXPECT_TRUE(std::isnan(s.mean));
  EXPECT_TRUE(std::isnan(s.p_sign));
}

TEST(PairedStats, ZeroVarianceIsAPointAndItsPFollowsTheMean) {
  const PairedStats equal = paired_stats({0.1, 0.1, 0.1});
  EXPECT_DOUBLE_EQ(equal.sem, 0);
  EXPECT_DOUBLE_EQ(equal.ci_low, equal.mean);
  EXPECT_DOUBLE_EQ(equal.ci_high, equal.mean);
  EXPECT_DOUBLE_EQ(equal.p, 0);  // t = .1/0 = ∞
  EXPECT_EQ(equal.agreeing, 3);
  const PairedStats zero = paired_stats({0, 0});
  EXPECT_DOUBLE_EQ(zero.p, 1);  // 0/0: no evidence of a difference
  EXPECT_EQ(zero.agreeing, 0);  // no seed has the sign of a zero mean
  EXPECT_DOUBLE_EQ(zero.p_sign, 1);  // every difference dropped
  EXPECT_EQ(seeds_for_power(equal.mean, equal.sd), -1);
  // Nearly no spread is no error: the test cannot miss with two seeds.
  EXPECT_EQ(seeds_for_power(0.1, 1e-17), 2);
}

TEST(PairedStats, ZeroDifferencesAgreeWithNoSignAndLeaveTheSignTest) {
  // d = −1 2 3 4 5 0: mean 13/6 > 0; 4 positive agree, the 0 does not.
  // Sign test on the 5 non-zero: min(k₊, k₋) = 1,
  // P(X ≤ 1) = (1 + 5)/32, p = 12/32 = .375.
  const PairedStats s = paired_stats({-1, 2, 3, 4, 5, 0});
  EXPECT_NEAR(s.mean, 13.0 / 6, 1e-12);
  EXPECT_EQ(s.agreeing, 4);
  EXPECT_NEAR(s.p_sign, 0.375, 1e-12);
  EXPECT_NEAR(sign_test_p(0, 6), 2.0 / 64, 1e-12);
  EXPECT_NEAR(sign_test_p(3, 3), 1.0, 1e-12);  // 2·P(X ≤ 3) = 2·42/64, capped at 1
}

TEST(PairedStats, NonFiniteDifferencesAreTheCallersToLeaveOut) {
  EXPECT_THROW(paired_stats({0.1, std::numeric_limits<double>::infinity()}),
               std::invalid_argument);
}

TEST(PairedStats, TQuantilesMatchPrintedTables) {
  EXPECT_NEAR(t_quantile(0.975, 4), 2.776, 5e-4);
  EXPECT_NEAR(t_quantile(0.975, 1), 12.706, 5e-4);
  EXPECT_NEAR(t_quantile(0.975, 10), 2.228, 5e-4);
  EXPECT_NEAR(t_quantile(0.95, 2), 2.920, 5e-4);
  // And back: the 97.5 % quantile leaves 5 % in both tails.
  EXPECT_NEAR(t_two_sided_p(t_quantile(0.975, 4), 4), 0.05, 1e-12);
  EXPECT_DOUBLE_EQ(t_two_sided_p(std::numeric_limits<double>::infinity(), 3), 0);
}

TEST(PairedStats, HolmByHand) {
  // m = 3 (NaN not counted): sorted .01 .03 .04 → 3·.01 = .03, 2·.03 = .06,
  // 1·.04 = .04 raised to the running maximum .06.
  const auto adjusted = holm_adjust({0.01, 0.04, 0.03, std::nan("")});
  ASSERT_EQ(adjusted.size(), 4u);
  EXPECT_NEAR(adjusted[0], 0.03, 1e-12);
  EXPECT_NEAR(adjusted[1], 0.06, 1e-12);
  EXPECT_NEAR(adjusted[2], 0.06, 1e-12);
  EXPECT_TRUE(std::isnan(adjusted[3]));
  // Capped at 1, and a family of one is unchanged.
  const auto capped = holm_adjust({0.5, 0.6});
  EXPECT_DOUBLE_EQ(capped[0], 1.0);
  EXPECT_DOUBLE_EQ(capped[1], 1.0);
  EXPECT_DOUBLE_EQ(holm_adjust({0.2})[0], 0.2);
}

TEST(PairedStats, SeedsForPowerMatchTheNormalApproximationPlusItsSmallSampleTerm) {
  // Normal approximation: n ≈ ((z_.975 + z_.8)·SD/δ)²; the t-test needs about
  // z_.975²/2 = 1.92 more (Guenther 1981), rounded up. Published exact values
  // for effect sizes δ/SD = .2, .5, 1: 199, 34, 10.
  const double z975 = 1.959963985, z80 = 0.841621234;
  const struct {
    double effect;
    int64_t exact;
  } cases[] = {{0.2, 199}, {0.5, 34}, {1.0, 10}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.effect);
    const double normal = std::pow((z975 + z80) / c.effect, 2);
    const int64_t n = seeds_for_power(c.effect, 1.0);
    EXPECT_EQ(n, c.exact);
    EXPECT_EQ(n, static_cast<int64_t>(std::ceil(normal + z975 * z975 / 2)));
    EXPECT_GE(paired_t_power(c.effect, 1.0, n), 0.8);
    EXPECT_LT(paired_t_power(c.effect, 1.0, n - 1), 0.8);
  }
  // The sign of the effect does not matter for a two-sided test.
  EXPECT_EQ(seeds_for_power(-0.5, 1.0), 34);
  // A tiny effect needs more than the cap; no noise leaves nothing to plan.
  EXPECT_EQ(seeds_for_power(0.001, 1.0), 10001);
  EXPECT_EQ(seeds_for_power(0.0, 1.0), 10001);
  EXPECT_EQ(seeds_for_power(1.0, 0.0), -1);
  EXPECT_EQ(seeds_for_power(1.0, std::nan("")), -1);
}

}  // namespace
}  // namespace neuroreg
