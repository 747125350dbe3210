// The gradient attack family: FGSM/FGM, PGD (L∞, L2, L1), Adam PGD, Auto-PGD,
// DDN and Carlini–Wagner L2, all white-box (ModelAccess::kGradients).
//
// This header is internal to the family's one plugin library: plugin.cpp
// calls each file's register function, and the files share the loss gradient,
// option checks, an Adam state, the frame of the L2 minimisations (C&W, DDN)
// and the projected-gradient core (pgd.cpp) that FGSM/FGM and Adam PGD are
// special cases of, as in Foolbox 3.
#pragma once

#include <neuroreg/sdk.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace neuroreg::gradient_attacks {

void register_fgm(sdk::Registrar& registrar);
void register_pgd(sdk::Registrar& registrar);
void register_adam_pgd(sdk::Registrar& registrar);
void register_apgd(sdk::Registrar& registrar);
void register_ddn(sdk::Registrar& registrar);
void register_carlini_wagner(sdk::Registrar& registrar);

/// The loss an attack ascends: the cross-entropy (Madry et al., Foolbox), or
/// the margin loss of Carlini & Wagner, max_{j≠y} z_j − z_y, which measures
/// misclassification itself rather than the loss of the true class.
enum class Loss { kCrossEntropy, kMargin };

/// Logits (detached) at `images` and the gradient of the loss summed over the
/// batch with respect to them: one forward and one backward pass.
struct LossGradient {
  torch::Tensor logits;
  torch::Tensor gradient;
};
LossGradient loss_gradient(sdk::ModelView& model, const torch::Tensor& images,
                           const torch::Tensor& labels, Loss loss);

/// The request's per-sample budgets ε (N) in the images' dtype and device;
/// throws std::invalid_argument naming the attack when they are missing.
torch::Tensor budgets(const sdk::AttackRequest& request, const std::string& attack);

/// The option "loss" (declared by add_loss_option, so the host has already
/// checked it is "cross_entropy" or "margin").
Loss read_loss(const sdk::Options& options);

/// Adam's moment estimates for one tensor of per-coordinate updates
/// (Kingma & Ba 2015, with bias correction), as Foolbox 3 uses it in Adam PGD
/// and Carlini–Wagner. Rows can be updated in subsets (C&W's early abort).
struct Adam {
  explicit Adam(double beta1_ = 0.9, double beta2_ = 0.999, double epsilon_ = 1e-8)
      : beta1(beta1_), beta2(beta2_), epsilon(epsilon_) {}
  double beta1;
  double beta2;
  double epsilon;
  torch::Tensor m;
  torch::Tensor v;
  int64_t t = 0;

  void reset(const torch::Tensor& like) {
    m = torch::zeros_like(like);
    v = torch::zeros_like(like);
    t = 0;
  }
  /// The ascent direction m̂ / (√v̂ + ε) for `gradient` at rows `rows` (all
  /// rows when undefined); the caller advances t once per iteration.
  torch::Tensor direction(const torch::Tensor& gradient, const torch::Tensor& rows = {});
};

/// The frame of the L2 minimisation attacks (Carlini–Wagner, DDN): their
/// traits, and `minimize` run on the request's images, detached, with its
/// labels on their device.
class L2Minimization : public sdk::Attack {
 public:
  sdk::AttackTraits traits() const final;
  torch::Tensor run(sdk::ModelView& model, const sdk::AttackRequest& request) final;

 protected:
  /// Per sample, the smallest adversarial found near `x`, else the original.
  virtual torch::Tensor minimize(sdk::ModelView& model, const torch::Tensor& x,
                                 const torch::Tensor& labels) = 0;
};

/// The smallest adversarial seen per sample over a minimisation's iterates:
/// `initial` (N×…) at norm +∞ until an adversarial candidate is kept.
class SmallestAdversarial {
 public:
  explicit SmallestAdversarial(const torch::Tensor& initial);
  /// Keeps each of `candidates` that is `adversarial` and strictly smaller, by
  /// its `norms`, than the one kept for its sample. The candidates are of
  /// rows `rows` (all rows when undefined).
  void keep(const torch::Tensor& candidates, const torch::Tensor& norms,
            const torch::Tensor& adversarial, const torch::Tensor& rows = {});
  /// Per sample, the smallest kept, else `initial`.
  const torch::Tensor& points() const { return points_; }

 private:
  torch::Tensor points_;
  torch::Tensor norms_;
};

/// Settings of the projected-gradient core: x ← clip(Π_ε(x + α·d(∇loss))),
/// with d the norm's steepest-ascent step, optionally through Adam.
struct PgdSettings {
  sdk::Norm norm = sdk::Norm::kLinf;
  int64_t steps = 40;
  double rel_stepsize = 0.01 / 0.3;
  double abs_stepsize = 0;  ///< > 0: used instead of rel_stepsize · ε
  bool random_start = true;
  Loss loss = Loss::kCrossEntropy;
  bool adam = false;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_epsilon = 1e-8;
};

/// Declares the option "loss" with default "cross_entropy".
void add_loss_option(sdk::OptionList& options);
/// Declares steps, rel_stepsize, abs_stepsize, random_start and loss.
void add_pgd_options(sdk::OptionList& options, int64_t steps, double rel_stepsize);
/// Reads what add_pgd_options declared (the host has checked the values).
PgdSettings read_pgd_options(const sdk::Options& options, sdk::Norm norm);

/// The fixed-ε attack running `settings`: per sample, the latest adversarial
/// iterate, else the original image.
std::shared_ptr<sdk::Attack> make_pgd(const PgdSettings& settings, std::string name);

}  // namespace neuroreg::gradient_attacks
