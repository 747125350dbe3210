// Attack components: search for adversarial examples.
//
// An attack declares its norm, its kind and the access it needs; the host
// hands it a model view with exactly that access, then clips, re-classifies
// and re-measures everything it returns. Attacks only search: results are
// checked by the host, never trusted.
//
// The host batches: one call carries many samples, and restarts arrive as
// repeated copies of a sample in the same batch. Before each call the host
// seeds torch's default generator, so an attack may draw from it directly and
// two copies of a sample still start differently.
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
/// attack declared; the others throw std::logic_error. Images are N×C×H×W in
/// [0,1] on the model's device (that of the request's images).
class NEUROREG_SDK_API ModelView {
 public:
  virtual ~ModelView();
  virtual ModelAccess access() const = 0;
  /// Logits with an autograd graph back to `images` (kGradients only).
  virtual torch::Tensor logits_with_grad(const torch::Tensor& images) = 0;
  /// Logits without gradients (kGradients, kScores).
  virtual torch::Tensor logits(const torch::Tensor& images) = 0;
  /// Predicted labels, int64 (every access).
  virtual torch::Tensor labels(const torch::Tensor& images) = 0;
};

struct NEUROREG_SDK_API AttackTraits {
  Norm norm = Norm::kL2;
  AttackKind kind = AttackKind::kFixedEpsilon;
  ModelAccess access = ModelAccess::kGradients;
  /// False for attacks that return the same result on every run (no random
  /// start): the host then runs them once instead of once per restart.
  bool randomized = true;
  /// True for minimisation attacks that walk from an adversarial towards the
  /// original (Brendel & Bethge): the host runs them after the other attacks
  /// of their norm and hands them the closest adversarial found so far per
  /// sample in AttackRequest::starting_points.
  bool takes_starting_points = false;
};

/// One batch to attack.
struct NEUROREG_SDK_API AttackRequest {
  torch::Tensor images;    ///< N×C×H×W in [0,1], classified correctly
  torch::Tensor labels;    ///< N int64, the true classes
  torch::Tensor epsilons;  ///< N float, each sample's budget (fixed-ε attacks; undefined otherwise)
  /// N×C×H×W, only for attacks with takes_starting_points: per sample the
  /// closest adversarial of the attack's norm that an earlier attack found
  /// (checked by the host), the original image where none did and in every
  /// restart copy but a sample's first (restarts explore from their own
  /// starts); undefined when no attack of that norm ran before.
  torch::Tensor starting_points;
};

class NEUROREG_SDK_API Attack {
 public:
  virtual ~Attack();
  virtual AttackTraits traits() const = 0;
  /// Perturbed images, N×C×H×W, for the request. Where a minimisation attack
  /// found nothing, or a fixed-ε attack failed within ε, return the original
  /// image: the host counts it as "not found". Everything returned is clipped
  /// to [0,1], re-classified and re-measured by the host.
  virtual torch::Tensor run(ModelView& model, const AttackRequest& request) = 0;
};

}  // namespace neuroreg::sdk
