// Statistics of paired differences (one difference per seed: a model minus
// its baseline trained with the same seed), as pure functions on plain
// numbers. The distributions come from Boost.Math (Student's t, noncentral
// t, binomial); nothing here knows about cells or reports.
//
// Conventions, each chosen so that no figure claims more than was measured:
//
//   n = 0            nothing is defined: mean and everything else NaN.
//   n = 1            the mean alone; SD, SEM, CI and the t-test p are NaN
//                    (undefined, shown as "n/a" or an empty CSV field).
//   SD = 0 (n ≥ 2)   every difference exactly equal: SEM 0, the CI is the point, and
//                    the t-test p is 0 when the mean is not 0 (the t statistic
//                    is infinite) and 1 when it is (0/0: no evidence of a
//                    difference). The power figure is undefined (no noise
//                    to plan against).
//   agreeing seeds   k counts the differences with the same sign as the mean;
//                    a difference of exactly 0 agrees with no sign, and with
//                    a mean of exactly 0 no seed agrees.
//   sign test        exact two-sided binomial test of "positive and negative
//                    are equally likely"; zero differences are dropped (the
//                    usual convention), and with no non-zero difference p = 1.
#pragma once

#include <cstdint>
#include <vector>

namespace neuroreg {

struct PairedStats {
  int n = 0;         ///< differences that went in (all must be finite)
  double mean = 0;   ///< NaN when n = 0
  double sd = 0;     ///< sample SD (n − 1); NaN when n < 2
  double sem = 0;    ///< sd / √n; NaN when n < 2
  double ci_low = 0, ci_high = 0;  ///< 95 % CI, mean ± t_{0.975, n−1}·SEM; NaN when n < 2
  int agreeing = 0;  ///< k: differences with the sign of the mean
  double p = 0;      ///< two-sided paired t-test of mean = 0, n − 1 df; NaN when n < 2
  double p_sign = 0; ///< two-sided exact sign test; NaN when n = 0
};

/// Mean, SD, SEM, 95 % CI, k, t-test p and sign-test p of `differences`
/// (finite values only: the caller leaves non-finite pairs out and counts
/// them). Throws std::invalid_argument on a non-finite value.
PairedStats paired_stats(const std::vector<double>& differences);

/// The q-quantile of Student's t with `df` degrees of freedom (df > 0).
double t_quantile(double q, double df);

/// Two-sided p of a t statistic with `df` degrees of freedom: 2·P(T > |t|).
/// An infinite t gives 0.
double t_two_sided_p(double t, double df);

/// Exact two-sided sign test: p = min(1, 2·P(X ≤ min(k₊, k₋))), X ~ Bin(k₊ + k₋, ½).
/// 1 when k₊ + k₋ = 0.
double sign_test_p(int positive, int negative);

/// Holm's step-down adjustment of one family of p-values: sorted ascending,
/// the i-th (1-based) of m becomes max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎),
/// and is returned in the input's order. NaN p-values (undefined tests) stay
/// NaN and do not count in m.
std::vector<double> holm_adjust(const std::vector<double>& p);

/// Power of the two-sided paired t-test at level `alpha` with `n` pairs when
/// the true mean difference is `mean` and its SD `sd` (sd > 0, n ≥ 2):
/// P(|T'| > t_{1−α/2, n−1}), T' noncentral t with n − 1 df and noncentrality
/// mean/sd·√n. 1 when the noncentrality exceeds 10⁶ (the test cannot miss).
double paired_t_power(double mean, double sd, int64_t n, double alpha = 0.05);

/// The planning figure: the smallest n ≥ 2 whose paired_t_power reaches
/// `power`, taking the observed mean and SD as if they were the truth.
/// `cap` + 1 when even n = cap does not reach it (shown as ">cap"); -1 when
/// undefined (sd not finite and positive, or mean not finite).
int64_t seeds_for_power(double mean, double sd, double alpha = 0.05, double power = 0.8,
                        int64_t cap = 10000);

}  // namespace neuroreg
