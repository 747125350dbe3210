// The black-box attack family: what each attack file registers, and the one
// option check they share.
//
// Decision-based attacks (boundary_attack, hop_skip_jump_*) see only
// model.labels(); score-based ones (square_*) only model.logits(). Each file
// registers its attacks through one function below; plugin.cpp calls them all.
#pragma once

#include <neuroreg/sdk.h>

#include <sstream>
#include <stdexcept>
#include <string>

namespace neuroreg::black_box {

void register_boundary_attack(sdk::Registrar& registrar);
void register_hop_skip_jump(sdk::Registrar& registrar);
void register_square(sdk::Registrar& registrar);

/// The decision-based attacks' last step. Points they leave within rounding
/// of the decision boundary can change label with the batch they are computed
/// in, so `points` are re-checked in one labels() call over the whole batch,
/// and each that fails is pushed away from its original by 1e-6, then 1e-5, …
/// 1e-2 of its distance, re-checking each time. Rows not in `found`, and rows
/// still failing, come back as the originals ("not found").
torch::Tensor confirm_adversarial(sdk::ModelView& model, const torch::Tensor& originals,
                                  const torch::Tensor& points, const torch::Tensor& labels,
                                  const torch::Tensor& found);

}  // namespace neuroreg::black_box
