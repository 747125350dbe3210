#include "neural/clustering.h"

#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "neural/square_matrix.h"

namespace neuroreg {
namespace {

// Average linkage on a full n×n distance matrix, updated in place. Each
// cluster lives in the slot of its lowest image index; nearest[i] is the
// closest live slot j > i (the lowest j among equals), so the globally
// closest pair is the row minimum with the lowest i — the same pair, ties
// included, as scanning every pair in index order, but after a merge only
// the rows that pointed at the merged slots need a fresh scan. That keeps a
// typical run near O(n²) instead of O(n³).
class AverageLinkage {
 public:
  AverageLinkage(std::vector<double> distance, int64_t n)
      : d_(std::move(distance)),
        n_(n),
        live_(n, true),
        size_(n, 1),
        members_(n),
        nearest_(n, -1),
        nearest_distance_(n) {
    for (int64_t i = 0; i < n_; ++i) {
      members_[i] = {i};
      rescan(i);
    }
  }

  std::vector<int64_t> leaf_order() {
    for (int64_t merges = 1; merges < n_; ++merges) {
      int64_t a = -1;
      for (int64_t i = 0; i < n_; ++i) {
        if (!live_[i] || nearest_[i] < 0) continue;
        if (a < 0 || nearest_distance_[i] < nearest_distance_[a]) a = i;
      }
      merge(a, nearest_[a]);
    }
    return n_ > 0 ? members_[0] : std::vector<int64_t>{};
  }

 private:
  double& at(int64_t i, int64_t j) { return d_[i * n_ + j]; }

  void rescan(int64_t i) {
    nearest_[i] = -1;
    nearest_distance_[i] = std::numeric_limits<double>::infinity();
    for (int64_t j = i + 1; j < n_; ++j) {
      if (live_[j] && (nearest_[i] < 0 || at(i, j) < nearest_distance_[i])) {
        nearest_[i] = j;
        nearest_distance_[i] = at(i, j);
      }
    }
  }

  // Merges slot b into slot a (a < b).
  void merge(int64_t a, int64_t b) {
    const double wa = static_cast<double>(size_[a]), wb = static_cast<double>(size_[b]);
    for (int64_t k = 0; k < n_; ++k) {
      if (!live_[k] || k == a || k == b) continue;
      at(a, k) = at(k, a) = (wa * at(a, k) + wb * at(b, k)) / (wa + wb);
    }
    live_[b] = false;
    size_[a] += size_[b];
    members_[a].insert(members_[a].end(), members_[b].begin(), members_[b].end());
    members_[b].clear();

    // Rows below a see a changed distance to a and lose b; rows between a
    // and b only lose b; rows above b look only further up and are untouched.
    // A merged cluster is never closer than the nearer of its parts, so a row
    // that pointed elsewhere keeps its neighbour — unless rounding says
    // otherwise, which the comparison below keeps exact.
    for (int64_t i = 0; i < a; ++i) {
      if (!live_[i]) continue;
      if (nearest_[i] == a || nearest_[i] == b) {
        rescan(i);
      } else if (at(i, a) < nearest_distance_[i] ||
                 (at(i, a) == nearest_distance_[i] && a < nearest_[i])) {
        nearest_[i] = a;
        nearest_distance_[i] = at(i, a);
      }
    }
    rescan(a);
    for (int64_t i = a + 1; i < b; ++i) {
      if (live_[i] && nearest_[i] == b) rescan(i);
    }
  }

  std::vector<double> d_;
  int64_t n_;
  std::vector<bool> live_;
  std::vector<int64_t> size_;
  std::vector<std::vector<int64_t>> members_;
  std::vector<int64_t> nearest_;
  std::vector<double> nearest_distance_;
};

}  // namespace

std::vector<int64_t> cluster_order(const torch::Tensor& similarity) {
  if (!is_square(similarity)) {
    throw std::invalid_argument("cluster_order: the similarity must be a square matrix, got " +
                                shape_of(similarity));
  }
  const int64_t n = similarity.size(0);
  const torch::Tensor s = as_doubles(similarity);
  const double* p = s.data_ptr<double>();
  std::vector<double> distance(static_cast<std::size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      if (!std::isfinite(p[i * n + j])) {
        throw std::invalid_argument("cluster_order: the similarity of images " + std::to_string(i) +
                                    " and " + std::to_string(j) + " is not finite");
      }
      if (i != j) distance[i * n + j] = 1.0 - 0.5 * (p[i * n + j] + p[j * n + i]);
    }
  }
  return AverageLinkage(std::move(distance), n).leaf_order();
}

}  // namespace neuroreg
