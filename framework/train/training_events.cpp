#include "train/training_events.h"

#include "record/record_io.h"
#include "train/trainer.h"

namespace neuroreg {

void write_step_events(TensorBoardWriter& writer, const StepProgress& progress) {
  const int64_t step = progress.global_step;
  const StepResult& last = progress.last;
  writer.add_scalar("train/loss", last.loss, step);
  writer.add_scalar("train/task_loss", last.task_loss, step);
  writer.add_scalar("train/regularizer_loss", last.regularizer_loss, step);
  // An empty batch has no accuracy; writing 0 would draw a false dip.
  if (last.images > 0) {
    writer.add_scalar("train/batch_accuracy",
                      static_cast<double>(last.correct) / static_cast<double>(last.images), step);
  }
  writer.add_scalar("train/learning_rate", progress.learning_rate, step);
  writer.add_scalar("train/images_per_second", progress.images_per_second, step);
}

void write_epoch_events(TensorBoardWriter& writer, const record::EpochMetrics& epoch,
                        int64_t global_step) {
  writer.add_scalar("epoch/loss", epoch.loss(), global_step);
  writer.add_scalar("epoch/task_loss", epoch.task_loss(), global_step);
  writer.add_scalar("epoch/regularizer_loss", epoch.regularizer_loss(), global_step);
  writer.add_scalar("epoch/train_accuracy", epoch.train_accuracy(), global_step);
  if (epoch.has_validation()) {
    writer.add_scalar("epoch/validation_accuracy", epoch.validation_accuracy(), global_step);
  }
  writer.add_scalar("epoch/learning_rate", epoch.learning_rate(), global_step);
  writer.add_scalar("epoch/images_per_second", epoch.images_per_second(), global_step);
  // Sorted so the file's order does not depend on the map's hashing.
  for (const auto& [key, value] : sorted_diagnostics(epoch.diagnostics())) {
    writer.add_scalar(key, value, global_step);
  }
  // Once per epoch is enough: see TensorBoardWriter::flush.
  writer.flush();
}

}  // namespace neuroreg
