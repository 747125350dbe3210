// Progress of a grid on the terminal: cells done/total, the current cell,
// epoch and step, images/s and the time left. On a terminal one line is
// redrawn in place (at most twice a second); otherwise one line per epoch,
// so logs stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "neuroreg/run_record.pb.h"
#include "train/trainer.h"

namespace neuroreg {

class Progress {
 public:
  /// `cells` in the grid, of which `to_run` need work in this process.
  Progress(std::ostream& out, bool interactive, int cells, int to_run);

  /// A cell starts (or resumes after `first_epoch` finished epochs).
  void cell_started(int index, const std::string& label, int first_epoch);
  void step(const StepProgress& p);
  void epoch(const record::EpochMetrics& m, int epochs);
  /// A cell ends; `summary` is one line (clean accuracy, time, ...).
  void cell_finished(const std::string& summary, bool trained);
  /// A plain message, kept clear of the redrawn line.
  void note(const std::string& line);

 private:
  std::string eta(int64_t steps_left_in_cell) const;
  void clear_line();

  std::ostream& out_;
  bool interactive_;
  int cells_;
  int to_run_;
  int done_ = 0;
  int index_ = 0;
  std::string label_;
  bool line_open_ = false;
  int64_t steps_per_cell_ = 0;
  // Measured in this process: seconds per training step, a moving average.
  double step_seconds_ = 0;
  int64_t steps_seen_ = 0;
  std::chrono::steady_clock::time_point last_step_, last_draw_;
};

}  // namespace neuroreg
