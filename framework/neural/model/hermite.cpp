#include "neural/model/hermite.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace neuroreg {
namespace {

constexpr double kPi = 3.14159265358979323846;

void check_kernel_size(int64_t kernel_size) {
  if (kernel_size < 1 || kernel_size % 2 == 0) {
    throw std::invalid_argument("HermiteBasis: kernel_size " + std::to_string(kernel_size) +
                                " must be odd and positive (the grid needs a centre pixel)");
  }
}

// Generalised Laguerre polynomial L_p^(m) at every element of t, by the
// three-term recurrence (stable for the low orders a filter basis uses).
torch::Tensor laguerre(int64_t p, int64_t m, const torch::Tensor& t) {
  torch::Tensor previous = torch::ones_like(t);
  if (p == 0) return previous;
  torch::Tensor current = 1.0 + static_cast<double>(m) - t;
  for (int64_t k = 1; k < p; ++k) {
    const double kd = static_cast<double>(k), md = static_cast<double>(m);
    torch::Tensor next = ((2.0 * kd + 1.0 + md - t) * current - (kd + md) * previous) / (kd + 1.0);
    previous = current;
    current = next;
  }
  return current;
}

}  // namespace

HermiteBasis::HermiteBasis(int64_t kernel_size)
    : HermiteBasis(kernel_size, default_max_order(kernel_size)) {}

HermiteBasis::HermiteBasis(int64_t kernel_size, int64_t max_order)
    : kernel_size_(kernel_size), max_order_(max_order) {
  check_kernel_size(kernel_size);
  if (max_order < 0) {
    throw std::invalid_argument("HermiteBasis: max_order " + std::to_string(max_order) +
                                " must be ≥ 0");
  }
  scale_ = std::sqrt(static_cast<double>(kernel_size) / (2.0 * kPi));

  // (x, y) with y up, so that φ and the rotations are counter-clockwise on
  // screen, the sense of torch::rot90 on the last two dimensions.
  const double centre = static_cast<double>(kernel_size / 2);
  const torch::Tensor steps = torch::arange(kernel_size, torch::kDouble);
  const torch::Tensor x = ((steps - centre) / scale_).view({1, -1}).expand({kernel_size, -1});
  const torch::Tensor y = ((centre - steps) / scale_).view({-1, 1}).expand({-1, kernel_size});
  const torch::Tensor r2 = x * x + y * y;
  const torch::Tensor envelope = torch::exp(-0.5 * r2);

  // r^m cos mφ and r^m sin mφ are the real and imaginary parts of (x + iy)^m,
  // polynomials that need no angle at the centre.
  std::vector<torch::Tensor> re = {torch::ones_like(r2)}, im = {torch::zeros_like(r2)};
  for (int64_t m = 1; m <= max_order; ++m) {
    re.push_back(re.back() * x - im.back() * y);
    im.push_back(re[m - 1] * y + im.back() * x);
  }

  std::vector<torch::Tensor> functions;
  for (int64_t n = 0; n <= max_order; ++n) {
    for (int64_t m = n % 2; m <= n; m += 2) {
      const torch::Tensor radial = laguerre((n - m) / 2, m, r2) * envelope;
      if (m == 0) {
        const torch::Tensor f = radial;
        functions.push_back(f / f.norm());
        frequencies_.push_back(0);
        continue;
      }
      const torch::Tensor c = radial * re[m], s = radial * im[m];
      // One factor for the pair: separate ones would differ on a square
      // grid and turn the steering into something other than a rotation.
      const torch::Tensor norm = ((c.pow(2).sum() + s.pow(2).sum()) / 2.0).sqrt();
      functions.push_back(c / norm);
      functions.push_back(s / norm);
      frequencies_.insert(frequencies_.end(), {m, m});
    }
  }
  functions_ = torch::stack(functions);
}

int64_t HermiteBasis::default_max_order(int64_t kernel_size) {
  check_kernel_size(kernel_size);
  // 2n + 2 ≤ πk/2; the small margin keeps a bound that lands on an integer.
  const double bound = kPi * static_cast<double>(kernel_size) / 4.0 - 1.0;
  return std::max<int64_t>(0, static_cast<int64_t>(std::floor(bound + 1e-9)));
}

torch::Tensor HermiteBasis::rotation(double angle) const {
  const int64_t count = size();
  torch::Tensor m = torch::zeros({count, count}, torch::kDouble);
  auto a = m.accessor<double, 2>();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t frequency = frequencies_[i];
    if (frequency == 0) {
      a[i][i] = 1.0;
      continue;
    }
    const double c = std::cos(frequency * angle), s = std::sin(frequency * angle);
    a[i][i] = c, a[i][i + 1] = -s;
    a[i + 1][i] = s, a[i + 1][i + 1] = c;
    ++i;  // the sin partner is done
  }
  return m;
}

torch::Tensor HermiteBasis::rotate(const torch::Tensor& coefficients, double angle) const {
  return coefficients.matmul(rotation(angle).t().to(coefficients.options()));
}

torch::Tensor HermiteBasis::filters(const torch::Tensor& coefficients) const {
  const torch::Tensor flat = functions_.view({size(), -1}).to(coefficients.options());
  std::vector<int64_t> shape = coefficients.sizes().vec();
  shape.back() = kernel_size_;
  shape.push_back(kernel_size_);
  return coefficients.matmul(flat).view(shape);
}

torch::Tensor HermiteBasis::rotated_functions(int64_t rotations) const {
  if (rotations < 1) {
    throw std::invalid_argument("HermiteBasis: rotations " + std::to_string(rotations) +
                                " must be ≥ 1");
  }
  const torch::Tensor flat = functions_.view({size(), -1});
  std::vector<torch::Tensor> rotated;
  for (int64_t r = 0; r < rotations; ++r) {
    // Function b rotated is the filter of the unit coefficient vector e_b
    // rotated: Σ_b' M[b'][b] ψ_b', column b of M against the functions.
    const double angle = 2.0 * kPi * static_cast<double>(r) / static_cast<double>(rotations);
    rotated.push_back(rotation(angle).t().matmul(flat).view_as(functions_));
  }
  return torch::stack(rotated);
}

torch::Tensor HermiteBasis::rotated_filters(const torch::Tensor& coefficients,
                                            int64_t rotations) const {
  const torch::Tensor bases =
      rotated_functions(rotations).view({rotations, size(), -1}).to(coefficients.options());
  std::vector<int64_t> shape = coefficients.sizes().vec();
  shape.back() = kernel_size_;
  shape.push_back(kernel_size_);
  shape.insert(shape.begin(), rotations);
  return coefficients.reshape({-1, size()}).matmul(bases).view(shape);
}

}  // namespace neuroreg
