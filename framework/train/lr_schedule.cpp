#include "train/lr_schedule.h"

#include <cmath>
#include <stdexcept>

namespace neuroreg {

StepSchedule StepSchedule::from_options(const sdk::Options& train) {
  StepSchedule s;
  s.lr = train.get_float("lr");
  s.decay = train.get_float("lr_decay");
  s.decay_every = static_cast<int>(train.get_int("lr_decay_every"));
  s.resets = train.get_int_list("lr_resets");
  if (!(s.lr > 0)) throw std::invalid_argument("[train] lr must be > 0");
  if (!(s.decay > 0 && s.decay <= 1))
    throw std::invalid_argument("[train] lr_decay must lie in (0, 1]");
  if (s.decay_every < 1) throw std::invalid_argument("[train] lr_decay_every must be >= 1");
  return s;
}

double StepSchedule::at(int epoch) const {
  int start = 0;  // the epoch the current cycle began
  for (int64_t reset : resets) {
    if (reset <= epoch && reset > start) start = static_cast<int>(reset);
  }
  return lr * std::pow(decay, (epoch - start) / decay_every);
}

}  // namespace neuroreg
