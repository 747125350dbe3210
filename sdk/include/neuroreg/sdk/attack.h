// Attack components: search for adversarial examples.
//
// An attack declares its norm, its kind and the access it needs; the host
// hands it a model view with exactly that access, then clips, re-classifies
// and re-measures everything it returns. Attacks only search: results are
// checked by the host, never trusted.
#pragma once

#include <torch/types.h>

#include <string>

#include "neuroreg/sdk/version.h"

namespace neuroreg::sdk {

enum class Norm { kL0, kL1, kL2, kLinf };
enum class AttackKind {
  kMinimization,  ///< finds the smallest perturbation it can
  kFixedEpsilon,  ///< succeeds or fails within a given budget ε
};
enum class ModelAccess {
  kGradients,  ///< logits and their gradients
  kScores,     ///< logits only, no autograd graph
  kDecisions,  ///< predicted labels only
};

NEUROREG_SDK_API std::string to_string(Norm norm);
NEUROREG_SDK_API std::string to_string(AttackKind kind);
NEUROREG_SDK_API std::string to_string(ModelAccess access);

/// The model as an attack sees it. Which calls work depends on the access the
/// attack declared; the others throw std::logic_error.
class NEUROREG_SDK_API ModelView {
 public:
  virtual ~ModelView();
  virtual ModelAccess access() const = 0;
  /// Logits with an autograd graph back to `images` (kGradients only).
  virtual torch::Tensor logits_with_grad(const torch::Tensor& images) = 0;
  /// Logits without gradients (kGradients, kScores).
  virtual torch::Tensor logits(const torch::Tensor& images) = 0;
  /// Predicted labels (every access).
  virtual torch::Tensor labels(const torch::Tensor& images) = 0;
};

struct NEUROREG_SDK_API AttackTraits {
  Norm norm = Norm::kL2;
  AttackKind kind = AttackKind::kFixedEpsilon;
  ModelAccess access = ModelAccess::kGradients;
};

class NEUROREG_SDK_API Attack {
 public:
  virtual ~Attack();
  virtual AttackTraits traits() const = 0;
  /// Perturbed images for `images` (N×C×H×W in [0,1]) with true `labels`.
  /// `epsilon` is the budget for fixed-ε attacks and ignored otherwise.
  virtual torch::Tensor run(ModelView& model, const torch::Tensor& images,
                            const torch::Tensor& labels, double epsilon) = 0;
};

}  // namespace neuroreg::sdk
