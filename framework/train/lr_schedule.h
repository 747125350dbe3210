// The paper's step schedule: lr × decay every N epochs, with optional resets
// (Li et al.: 0.1 × 0.3 every 4 epochs, back to 0.1 after epoch 20).
#pragma once

#include <neuroreg/sdk/options.h>

#include <vector>

namespace neuroreg {

struct StepSchedule {
  double lr = 0.1;
  double decay = 0.3;
  int decay_every = 4;
  std::vector<int64_t> resets;  ///< 0-based epochs that start again at lr

  /// From the [train] table; throws std::invalid_argument on bad values.
  static StepSchedule from_options(const sdk::Options& train);

  /// Learning rate of a 0-based epoch.
  double at(int epoch) const;
};

}  // namespace neuroreg
