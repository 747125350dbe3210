#include "report/paired_stats.h"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace neuroreg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double t_quantile(double q, double df) {
  return boost::math::quantile(boost::math::students_t(df), q);
}

double t_two_sided_p(double t, double df) {
  if (std::isinf(t)) return 0;
  return 2 * boost::math::cdf(boost::math::complement(boost::math::students_t(df), std::abs(t)));
}

double sign_test_p(int positive, int negative) {
  const int m = positive + negative;
  if (m == 0) return 1;
  const boost::math::binomial binomial(m, 0.5);
  return std::min(1.0, 2 * boost::math::cdf(binomial, std::min(positive, negative)));
}

PairedStats paired_stats(const std::vector<double>& differences) {
  PairedStats s;
  s.n = static_cast<int>(differences.size());
  int positive = 0, negative = 0;
  for (double d : differences) {
    if (!std::isfinite(d)) throw std::invalid_argument("paired_stats: a difference is not finite");
    positive += d > 0;
    negative += d < 0;
  }
  if (s.n == 0) {
    s.mean = s.sd = s.sem = s.ci_low = s.ci_high = s.p = s.p_sign = kNaN;
    return s;
  }
  s.mean = std::accumulate(differences.begin(), differences.end(), 0.0) / s.n;
  s.agreeing = s.mean > 0 ? positive : s.mean < 0 ? negative : 0;
  s.p_sign = sign_test_p(positive, negative);
  if (s.n < 2) {
    s.sd = s.sem = s.ci_low = s.ci_high = s.p = kNaN;
    return s;
  }
  // Every difference equal: exactly no spread (summing would leave rounding
  // noise, e.g. a mean of .1 + .1 + .1 over 3 that is not .1).
  const bool all_equal = std::all_of(differences.begin(), differences.end(),
                                     [&](double d) { return d == differences.front(); });
  if (all_equal) s.mean = differences.front();
  double squares = 0;
  for (double d : differences) squares += (d - s.mean) * (d - s.mean);
  s.sd = all_equal ? 0 : std::sqrt(squares / (s.n - 1));
  s.sem = s.sd / std::sqrt(static_cast<double>(s.n));
  const double df = s.n - 1;
  const double half = t_quantile(0.975, df) * s.sem;
  s.ci_low = s.mean - half;
  s.ci_high = s.mean + half;
  if (s.sem == 0) {
    s.p = s.mean == 0 ? 1 : 0;
  } else {
    s.p = t_two_sided_p(s.mean / s.sem, df);
  }
  return s;
}

std::vector<double> holm_adjust(const std::vector<double>& p) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!std::isnan(p[i])) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  std::vector<double> adjusted(p.size(), kNaN);
  const double m = static_cast<double>(order.size());
  double running = 0;  // step-down: an adjusted p never falls below an earlier one
  for (std::size_t j = 0; j < order.size(); ++j) {
    running = std::max(running, std::min(1.0, (m - static_cast<double>(j)) * p[order[j]]));
    adjusted[order[j]] = running;
  }
  return adjusted;
}

double paired_t_power(double mean, double sd, int64_t n, double alpha) {
  if (n < 2 || !(sd > 0)) throw std::invalid_argument("paired_t_power needs n >= 2 and sd > 0");
  const double df = static_cast<double>(n - 1);
  const double critical = t_quantile(1 - alpha / 2, df);
  const double noncentrality = mean / sd * std::sqrt(static_cast<double>(n));
  // Beyond this the test cannot miss (and Boost's series would overflow).
  if (std::abs(noncentrality) > 1e6) return 1;
  const boost::math::non_central_t shifted(df, noncentrality);
  return boost::math::cdf(boost::math::complement(shifted, critical)) +
         boost::math::cdf(shifted, -critical);
}

int64_t seeds_for_power(double mean, double sd, double alpha, double power, int64_t cap) {
  if (!std::isfinite(mean) || !std::isfinite(sd) || !(sd > 0)) return -1;
  if (paired_t_power(mean, sd, cap, alpha) < power) return cap + 1;
  // Power grows with n: bisect for the first n that reaches it.
  int64_t low = 2, high = cap;
  while (low < high) {
    const int64_t mid = low + (high - low) / 2;
    if (paired_t_power(mean, sd, mid, alpha) >= power) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return low;
}

}  // namespace neuroreg
