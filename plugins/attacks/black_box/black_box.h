// The black-box attack family: what each attack file registers, the start and
// end the decision-based attacks share, and the registration of one attack per
// norm.
//
// Decision-based attacks (boundary_attack, hop_skip_jump_*) see only
// model.labels(); score-based ones (square_*) only model.logits(). Each file
// registers its attacks through one function below; plugin.cpp calls them all.
#pragma once

#include <neuroreg/sdk.h>

#include <functional>
#include <initializer_list>
#include <memory>
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

/// The search of a decision-based attack, given the samples that have an
/// adversarial start: their originals `x`, labels `y` and adversarial
/// `starts`. Returns the adversarial it ends at per sample.
using DecisionSearch = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& y,
                                                   const torch::Tensor& starts)>;

/// The frame of the decision-based attacks (boundary_attack, hop_skip_jump_*),
/// without gradients: starts from sdk::adversarial_noise, `search` on the
/// samples that have one, the others left as the originals, and the result
/// confirmed by confirm_adversarial.
torch::Tensor search_from_adversarial_noise(sdk::ModelView& model,
                                            const sdk::AttackRequest& request,
                                            const DecisionSearch& search);

/// One attack of a family per norm: its registered name, norm and description.
struct NormVariant {
  const char* name;
  sdk::Norm norm;
  const char* description;
};

/// Registers each of `variants` with `options`, made as AttackT(name, norm, options).
template <class AttackT>
void register_norm_variants(sdk::Registrar& registrar, const sdk::OptionList& options,
                            std::initializer_list<NormVariant> variants) {
  for (const NormVariant& v : variants) {
    const std::string name = v.name;
    const sdk::Norm norm = v.norm;
    registrar.add_attack({name, v.description, options.specs()},
                         [name, norm](const sdk::Options& opts) {
                           return std::make_shared<AttackT>(name, norm, opts);
                         });
  }
}

}  // namespace neuroreg::black_box
