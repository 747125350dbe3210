// TensorBoard event files: scalars written as TensorFlow Event protos in
// TFRecord framing, so `tensorboard --logdir` shows them without TensorFlow.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace neuroreg {

/// One event file in a folder. Not thread-safe: write from one thread.
class TensorBoardWriter {
 public:
  /// Creates `folder` if missing and opens a new file
  /// `events.out.tfevents.<unix seconds>.<hostname>.<pid>` in it, starting
  /// with the file_version event. Throws std::runtime_error naming the path
  /// and the system's reason.
  explicit TensorBoardWriter(const std::string& folder);
  /// Flushes and closes; errors at this point are not reported.
  ~TensorBoardWriter();
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  /// A scalar at `step`, stamped with the current time. TensorBoard stores
  /// scalars as float32. Throws std::runtime_error naming the path.
  void add_scalar(const std::string& tag, double value, int64_t step);

  /// Hands what was written to the OS, so a running TensorBoard sees it.
  /// Throws std::runtime_error naming the path.
  void flush();

  /// The event file.
  const std::string& path() const { return path_; }

 private:
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  void write_record(const std::string& data);
  [[noreturn]] void fail(const char* what) const;

  std::string path_;
  std::unique_ptr<std::FILE, Close> file_;
};

}  // namespace neuroreg
