#include "experiment/progress.h"

#include <absl/strings/str_format.h>

#include <algorithm>
#include <cmath>

namespace neuroreg {

namespace {

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
  if (s >= 60) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%ds", s);
}

}  // namespace

Progress::Progress(std::ostream& out, bool interactive, int cells, int to_run)
    : out_(out), interactive_(interactive), cells_(cells), to_run_(to_run) {}

void Progress::clear_line() {
  if (line_open_) out_ << "\r\033[K";
  line_open_ = false;
}

void Progress::note(const std::string& line) {
  clear_line();
  out_ << line << "\n" << std::flush;
}

void Progress::cell_started(int index, const std::string& label, int first_epoch) {
  index_ = index;
  label_ = label;
  last_step_ = std::chrono::steady_clock::now();
  note(absl::StrFormat(
      "[%d/%d] %s%s", index + 1, cells_, label,
      first_epoch > 0 ? absl::StrFormat(" (resuming after epoch %d)", first_epoch) : ""));
}

std::string Progress::eta(int64_t steps_left_in_cell) const {
  if (steps_seen_ == 0) return "?";
  // Cells still to come are assumed to take as many steps as this one.
  const int64_t later_cells = std::max(0, to_run_ - done_ - 1);
  const double steps = steps_left_in_cell + static_cast<double>(later_cells) * steps_per_cell_;
  return duration_text(steps * step_seconds_);
}

void Progress::step(const StepProgress& p) {
  const auto now = std::chrono::steady_clock::now();
  const double dt = std::chrono::duration<double>(now - last_step_).count();
  last_step_ = now;
  // The first step of a cell also holds its setup; leave it out of the rate.
  // A moving average (about the last 100 steps) follows a machine whose load
  // changes, and a regularizer that costs more per step than the last.
  if (p.step > 1) {
    step_seconds_ = steps_seen_ == 0 ? dt : 0.99 * step_seconds_ + 0.01 * dt;
    ++steps_seen_;
  }
  steps_per_cell_ = p.steps * p.epochs;
  if (!interactive_ || std::chrono::duration<double>(now - last_draw_).count() < 0.5) return;
  last_draw_ = now;
  const int64_t left = (p.epochs - p.epoch - 1) * p.steps + (p.steps - p.step);
  out_ << "\r\033[K"
       << absl::StrFormat("[%d/%d] %s  epoch %d/%d  step %d/%d  loss %.4f  %.0f img/s  ETA %s",
                          index_ + 1, cells_, label_, p.epoch + 1, p.epochs, p.step, p.steps,
                          p.sum.loss / p.step, p.images_per_second, eta(left))
       << std::flush;
  line_open_ = true;
}

void Progress::epoch(const record::EpochMetrics& m, int epochs) {
  const int64_t steps_per_epoch = epochs > 0 ? steps_per_cell_ / epochs : 0;
  std::string line =
      absl::StrFormat("[%d/%d] %s  epoch %d/%d  loss %.4f  train %.2f%%", index_ + 1, cells_,
                      label_, m.epoch(), epochs, m.loss(), 100.0 * m.train_accuracy());
  if (m.has_validation()) line += absl::StrFormat("  val %.2f%%", 100.0 * m.validation_accuracy());
  line += absl::StrFormat("  %.0f img/s  ETA %s", m.images_per_second(),
                          eta((epochs - m.epoch()) * steps_per_epoch));
  note(line);
}

void Progress::cell_finished(const std::string& summary, bool trained) {
  ++done_;
  note(absl::StrFormat("[%d/%d] %s %s: %s", index_ + 1, cells_, label_,
                       trained ? "done" : "already done", summary));
}

}  // namespace neuroreg
