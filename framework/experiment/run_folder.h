// Exclusive use of a run folder while a process writes it.
//
// Two processes training into one folder would interleave checkpoint and
// record. The writer holds an advisory lock (flock) on RUN/lock for as long as
// it works there; the kernel releases it when the process ends, however it
// ends, so a killed run never leaves a stale lock. The lock file names its
// holder, so the second process can say who has the folder.
#pragma once

#include <optional>
#include <string>

namespace neuroreg {

class RunFolderLock {
 public:
  /// Locks `dir` (created if missing), then removes temporary files a killed
  /// writer left there ("*.tmp.PID"). Throws std::runtime_error naming the
  /// folder and the holder (pid, host, start time, command) when another
  /// process has it.
  explicit RunFolderLock(const std::string& dir);
  ~RunFolderLock();
  RunFolderLock(const RunFolderLock&) = delete;
  RunFolderLock& operator=(const RunFolderLock&) = delete;

  /// How many stale temporary files were removed when the lock was taken.
  int removed_temporaries() const { return removed_; }

 private:
  int fd_ = -1;
  int removed_ = 0;
};

/// Who is writing `dir` on this machine ("pid 12 on node7 since ..."), or
/// nullopt when nobody is. Read from /proc/locks, so asking never takes the
/// lock (a writer starting at that moment is not turned away); a writer on
/// another machine of a shared file system is not seen.
std::optional<std::string> run_folder_writer(const std::string& dir);

/// A failed cell's note: when and why it failed, written by the process
/// that ran it, removed when the cell runs again.
inline constexpr const char* kCellErrorFile = "error.txt";

/// The lock file inside a run folder.
inline constexpr const char* kRunLockFile = "lock";

}  // namespace neuroreg
