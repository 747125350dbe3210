// What a training run shows in TensorBoard: per-step and per-epoch scalars.
#pragma once

#include <cstdint>

#include "neuroreg/run_record.pb.h"
#include "record/tensorboard_writer.h"

namespace neuroreg {

struct StepProgress;  // train/trainer.h

/// train/loss, train/task_loss, train/regularizer_loss, train/batch_accuracy,
/// train/learning_rate and train/images_per_second at progress.global_step.
/// Losses and accuracy are of this step alone; throughput is over the epoch
/// so far.
void write_step_events(TensorBoardWriter& writer, const StepProgress& progress);

/// epoch/loss, epoch/task_loss, epoch/regularizer_loss, epoch/train_accuracy,
/// epoch/validation_accuracy (when validated), epoch/learning_rate,
/// epoch/images_per_second, and every diagnostic under its own key (e.g.
/// gamma/conv5), at `global_step` (the step count when the epoch ended, so
/// epoch curves line up with step curves); then flushes the file.
void write_epoch_events(TensorBoardWriter& writer, const record::EpochMetrics& epoch,
                        int64_t global_step);

}  // namespace neuroreg
