// Out-of-line destructors anchor each interface's vtable and typeinfo in the
// SDK library, so host and plugins share one copy.
#include <stdexcept>

#include "neuroreg/sdk/attack.h"
#include "neuroreg/sdk/backbone.h"
#include "neuroreg/sdk/dataset.h"
#include "neuroreg/sdk/registrar.h"
#include "neuroreg/sdk/regularizer.h"

namespace neuroreg::sdk {

Dataset::~Dataset() = default;
Backbone::~Backbone() = default;
Regularizer::~Regularizer() = default;
ModelView::~ModelView() = default;
Attack::~Attack() = default;
Registrar::~Registrar() = default;

std::string to_string(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::kBackbone:
      return "backbone";
    case ComponentKind::kDataset:
      return "dataset";
    case ComponentKind::kRegularizer:
      return "regularizer";
    case ComponentKind::kAttack:
      return "attack";
  }
  return "?";
}

std::string to_string(Norm norm) {
  switch (norm) {
    case Norm::kL0:
      return "L0";
    case Norm::kL1:
      return "L1";
    case Norm::kL2:
      return "L2";
    case Norm::kLinf:
      return "Linf";
  }
  return "?";
}

std::string to_string(AttackKind kind) {
  return kind == AttackKind::kMinimization ? "minimization" : "fixed-epsilon";
}

std::string to_string(ModelAccess access) {
  switch (access) {
    case ModelAccess::kGradients:
      return "gradients";
    case ModelAccess::kScores:
      return "scores";
    case ModelAccess::kDecisions:
      return "decisions";
  }
  return "?";
}

int resolve_tap(const Backbone& backbone, const std::string& which) {
  const auto& taps = backbone.taps();
  for (size_t i = 0; i < taps.size(); ++i) {
    const TapInfo& tap = taps[i];
    const std::string number = std::to_string(tap.layer);
    if (which == tap.name || (!tap.alias.empty() && which == tap.alias) || which == number ||
        which == "layer" + number) {
      return static_cast<int>(i);
    }
  }
  std::string known;
  for (const TapInfo& tap : taps) {
    known += (known.empty() ? "" : ", ") + tap.name;
    if (!tap.alias.empty()) known += " (" + tap.alias + ")";
  }
  throw std::invalid_argument("unknown tap '" + which + "'; this backbone has: " + known +
                              " (or their layer numbers)");
}

}  // namespace neuroreg::sdk
