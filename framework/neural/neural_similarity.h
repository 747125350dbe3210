// Neural representational similarity (Li et al. 2019, Section 2, Eqs. 1-6).
//
// Responses are float tensors with neurons last: single trials N×A (stimuli ×
// neurons), oracle repeats I×T×A (repeated images × repeats × neurons, the
// same number of repeats for every image). Similarities are returned as
// unit-norm embeddings E (S = E Eᵀ) wherever a target needs them, so nothing
// N×N is built for the training stimuli.
//
//   auto w = snr_weights(oracle);                      // Eq. 1
//   torch::Tensor e_data = data_embeddings(trials, w); // Eq. 2
//   torch::Tensor s_oracle = oracle_similarity(oracle, w);   // Eq. 3
#pragma once

#include <torch/types.h>

#include <vector>

namespace neuroreg {

/// Eq. 1: w_a = σ_a/η_a with σ_a² = Var_i(E_t r_ait) (signal: variance over
/// images of the mean over repeats) and η_a² = E_i(Var_t r_ait) (noise: mean
/// over images of the variance over repeats), both unbiased. A neuron whose
/// repeats never vary gets the largest finite weight of the others (it is as
/// reliable as any); one that never responds gets 0. Returns A weights.
torch::Tensor snr_weights(const torch::Tensor& oracle);

/// Eq. 2 as embeddings: e_i = (r_i − r̄)/‖r_i − r̄‖ of r_ai = w_a ρ_ai, r̄ the
/// mean over the N stimuli. S_data = E Eᵀ. Also Eq. 6, S_model, when given
/// predictions and w_a·v_a as the weights.
torch::Tensor data_embeddings(const torch::Tensor& responses, const torch::Tensor& weights);

/// Eq. 3: S_oracle (I×I), the mean single-trial similarity over every pair of
/// repeats of two oracle images, each trial treated as an image of Eq. 2
/// (centred by the mean over all I·T trials), leaving out a trial with itself.
torch::Tensor oracle_similarity(const torch::Tensor& oracle, const torch::Tensor& weights);

/// Fig. 1D as the paper draws it: r between the similarity of two trials
/// (i,t) and (j,t') of different oracle images and S_oracle of i and j from
/// their other repeats, (Σ_{u≠t} e_iu)·(Σ_{v≠t'} e_jv)/(T−1)², over every
/// such pair, so that a trial is never scored against itself. `similarity`
/// is either I·T × I·T over trials (single-trial S_data, trials image-major)
/// or I×I over images (S_model: one value for every trial pair of i and j).
double leave_one_out_oracle_r(const torch::Tensor& oracle, const torch::Tensor& weights,
                              const torch::Tensor& similarity);

/// Eq. 4: ΔS_scan, each scan's S_oracle minus the mean over scans, for the
/// pairs i < j (the diagonal is the repeat term's business). H×I(I−1)/2.
torch::Tensor scan_fluctuation(const std::vector<torch::Tensor>& oracle_similarities);

/// Eq. 5: ΔS_repeat, the similarity of two repeats t1 < t2 of one image
/// minus that image's S_oracle_ii, for every image and pair. I·T(T−1)/2 values.
torch::Tensor repeat_fluctuation(const torch::Tensor& oracle, const torch::Tensor& weights);

/// Pearson r between the off-diagonal entries of E1 E1ᵀ and E2 E2ᵀ (two
/// similarity matrices over the same stimuli, given as embeddings N×D1 and
/// N×D2), from sums: the N×N products are the only large temporaries.
double offdiagonal_correlation(const torch::Tensor& e1, const torch::Tensor& e2);

/// Embeddings of several scans' similarity over the same stimuli whose Gram
/// matrix is the mean of theirs: concatenated along D and scaled by 1/√H.
torch::Tensor average_over_scans(const std::vector<torch::Tensor>& embeddings);

}  // namespace neuroreg
