// The order in which to show the images of a similarity matrix. In image
// order a similarity matrix looks like noise; in the leaf order of a
// hierarchical clustering its blocks of mutually similar images show. One
// order (usually S_oracle's) is reused for every matrix of a figure, so that
// S_model and S_data are read against the same blocks (matrix_figure.h).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace neuroreg {

/// The leaf order of average-linkage (UPGMA) agglomerative clustering of an
/// I×I similarity matrix on the distance 1 − S (S symmetrised as (S + Sᵀ)/2,
/// the diagonal ignored). Each step merges the closest pair of clusters, ties
/// going to the pair with the lowest indices; a merged cluster lists the
/// images of the one holding the lower image index first. Deterministic.
/// Throws std::invalid_argument for a non-square or non-finite matrix.
std::vector<int64_t> cluster_order(const torch::Tensor& similarity);

}  // namespace neuroreg
