#include "experiment/run_folder.h"

#include <absl/strings/str_format.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "record/record_io.h"

namespace neuroreg {
namespace fs = std::filesystem;

namespace {

std::string holder_of(int fd) {
  char text[512] = {};
  const ssize_t got = ::pread(fd, text, sizeof text - 1, 0);
  std::string holder = got > 0 ? std::string(text, static_cast<size_t>(got)) : "";
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
  return holder.empty() ? "an unknown process" : holder;
}

std::string this_process() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::error_code ec;
  const std::string exe = fs::read_symlink("/proc/self/exe", ec).string();
  return absl::StrFormat("pid %d on %s since %s (%s)", ::getpid(), host, utc_now(),
                         exe.empty() ? "neuroreg" : exe);
}

// "model.pt.tmp.1234", "checkpoint.pt.tmp.99": what write_atomically_with
// leaves behind when its process is killed between write and rename.
bool is_stale_temporary(const std::string& name) {
  const size_t at = name.rfind(".tmp.");
  if (at == std::string::npos || at + 5 >= name.size()) return false;
  return name.find_first_not_of("0123456789", at + 5) == std::string::npos;
}

}  // namespace

RunFolderLock::RunFolderLock(const std::string& dir) {
  fs::create_directories(dir);
  const std::string path = (fs::path(dir) / kRunLockFile).string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error(path + ": cannot open the run's lock file: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = holder_of(fd_);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(dir + ": another process is writing this run: " + holder +
                             ". Wait for it to finish or stop it (its lock, " + path +
                             ", goes with it)");
  }
  const std::string me = this_process() + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) < 0) {
    // The lock holds without the note; only the message to a second process is poorer.
  }
  // Holding the lock, nobody else is mid-write here: any temporary file is
  // left over from a killed writer.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec) && is_stale_temporary(entry.path().filename().string())) {
      removed_ += fs::remove(entry.path(), ec) ? 1 : 0;
    }
  }
}

std::optional<std::string> run_folder_writer(const std::string& dir) {
  const std::string path = (fs::path(dir) / kRunLockFile).string();
  struct stat file {};
  if (::stat(path.c_str(), &file) != 0) return std::nullopt;
  // "3: FLOCK  ADVISORY  WRITE 4711 fd:01:1234567 0 EOF"
  const std::string device =
      absl::StrFormat("%02x:%02x:%d", major(file.st_dev), minor(file.st_dev), file.st_ino);
  std::ifstream locks("/proc/locks");
  for (std::string line; std::getline(locks, line);) {
    std::istringstream fields(line);
    std::string id, type, mode, access, pid, where;
    fields >> id >> type;
    if (type == "->") fields >> type;  // a process waiting for the lock
    fields >> mode >> access >> pid >> where;
    if (type == "FLOCK" && where == device) {
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      const std::string holder = fd >= 0 ? holder_of(fd) : "pid " + pid;
      if (fd >= 0) ::close(fd);
      return holder;
    }
  }
  return std::nullopt;
}

RunFolderLock::~RunFolderLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock; the file stays, harmlessly
}

}  // namespace neuroreg
