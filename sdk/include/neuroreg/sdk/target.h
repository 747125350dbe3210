// Similarity targets: what a similarity regularizer matches (S_target).
//
// A target is a folder holding the stimuli (the images the similarities are
// about) and either unit-norm embeddings E (N×D, so that S = E Eᵀ and a batch
// costs O(B·D), never a dense N×N matrix) or, when a user brings one, a dense
// N×N similarity matrix:
//
//   target/
//     stimuli.npy      N×H×W (or N×1×H×W) float32 in [0,1], or uint8 0..255
//     embeddings.npy   N×D float32, rows of unit norm      ─┐ exactly one
//     similarity.npy   N×N float32/float64, symmetric      ─┘ of the two
//     provenance.txt   how it was built, from which inputs (free text)
//     ids.npy          N int64: each row's stimulus id (a scan's
//                      frame_image_id); optional, 0..N−1 when absent
//     tiers.npy        N strings ('<U'): "once" (an image shown once) or
//                      "oracle" (a repeated test image, on which S_oracle
//                      is defined); optional, all "once" when absent
//
// The neural pipeline writes targets (S_model, S_data); users can write their
// own from numpy (fMRI, other species) and use them with `matrix`.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

struct NEUROREG_SDK_API SimilarityTarget {
  torch::Tensor stimuli;     ///< N×1×H×W float32 in [0,1]
  torch::Tensor embeddings;  ///< N×D float32 unit rows, or undefined
  torch::Tensor dense;       ///< N×N float32, or undefined
  std::string provenance;
  torch::Tensor ids;               ///< N int64 stimulus ids; undefined: 0..N−1
  std::vector<std::string> tiers;  ///< N of "once" / "oracle"; empty: all "once"

  int64_t size() const { return stimuli.defined() ? stimuli.size(0) : 0; }

  /// S_target among the stimuli at `indices` (int64, B): E_b E_bᵀ, or the
  /// dense matrix's B×B block. On the device of the stored tensors.
  torch::Tensor similarity(const torch::Tensor& indices) const;

  /// Moves the tensors (e.g. to the training device).
  void to(torch::Device device);

  /// The rows of tier `which` ("once", "oracle") or every row ("all"), as
  /// a target of their own: stimuli, ids, tiers and their block of S.
  /// Throws std::invalid_argument when fewer than 2 rows are left.
  SimilarityTarget subset(const std::string& which) const;
};

/// Embeddings whose Gram matrix is the centred cosine similarity of `x`'s
/// rows over the whole set (Eq. 2 of Li et al.): rows centred by the mean over
/// all N, then scaled to unit norm.
NEUROREG_SDK_API torch::Tensor unit_embeddings(const torch::Tensor& x);

/// The `shuffle` control: the same target with its rows and columns
/// permuted by a seeded permutation relative to the stimuli. The values stay
/// (the same multiset of similarities); which images they belong to does not.
NEUROREG_SDK_API SimilarityTarget shuffled(const SimilarityTarget& target, uint64_t seed);

/// Reads and validates the stimuli of a stimulus set: any folder with a
/// stimuli.npy, every target folder among them. N×1×H×W float32 in [0,1].
/// Throws std::runtime_error naming the folder or file and what is wrong.
NEUROREG_SDK_API torch::Tensor load_stimuli(const std::string& dir);

/// Reads and validates a target folder. Throws std::runtime_error naming the
/// file and what is wrong (missing file, shapes that disagree, rows that are
/// not unit norm, a dense matrix that is not symmetric or not in [-1, 1]).
NEUROREG_SDK_API SimilarityTarget load_similarity_target(const std::string& dir);

/// Validates and writes a target folder atomically: it is assembled under a
/// temporary name and renamed into place, replacing an older one.
NEUROREG_SDK_API void save_similarity_target(const SimilarityTarget& target,
                                             const std::string& dir);

}  // namespace neuroreg::sdk
