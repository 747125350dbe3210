#include "runtime/subprocess.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace neuroreg {
namespace {

namespace fs = std::filesystem;

// A file under the temporary folder with a unique name (mkstemp), removed
// when this goes out of scope. Files rather than pipes: a child that writes
// much to both streams cannot block on a full pipe.
class TempFile {
 public:
  TempFile() {
    std::string pattern = (fs::temp_directory_path() / "neuroreg-output-XXXXXX").string();
    const int fd = mkstemp(pattern.data());
    if (fd < 0) {
      throw std::runtime_error("cannot create a temporary file in " +
                               fs::temp_directory_path().string() + ": " + std::strerror(errno));
    }
    close(fd);
    path_ = pattern;
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  std::string read() const {
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string path_;
};

// Starts args[0] with `actions` (destroyed here) and returns its pid.
pid_t spawn(const std::vector<std::string>& args, posix_spawn_file_actions_t& actions) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, copy[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(spawned));
  }
  return pid;
}

ProgramEnd end_of(int wait_status) {
  ProgramEnd end;
  if (WIFEXITED(wait_status)) {
    end.exit_status = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    end.signal = WTERMSIG(wait_status);
  }
  return end;
}

}  // namespace

std::string find_program(const std::string& program) {
  auto executable = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) return executable(program) ? program : "";
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / program;
    if (executable(candidate)) return candidate.string();
  }
  return "";
}

std::string ProgramEnd::how_it_ended() const {
  return signal != 0 ? "signal " + std::to_string(signal)
                     : "exit status " + std::to_string(exit_status);
}

ProgramOutput run_program(const std::vector<std::string>& args) {
  if (args.empty()) throw std::invalid_argument("run_program: no program");
  TempFile out_file, err_file;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_file.path().c_str(),
                                   O_WRONLY | O_TRUNC, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.path().c_str(),
                                   O_WRONLY | O_TRUNC, 0);
  const pid_t pid = spawn(args, actions);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw std::runtime_error("waiting for " + args[0] + " failed: " + std::strerror(errno));
    }
  }
  ProgramOutput result;
  static_cast<ProgramEnd&>(result) = end_of(status);
  result.out = out_file.read();
  result.err = err_file.read();
  return result;
}

pid_t start_program(const std::vector<std::string>& args, const std::string& log) {
  if (args.empty()) throw std::invalid_argument("start_program: no program");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  return spawn(args, actions);
}

EndedChild wait_for_any_child(const std::function<void()>& meanwhile) {
  int status = 0;
  pid_t pid = 0;
  while ((pid = ::waitpid(-1, &status, WNOHANG)) == 0) {
    meanwhile();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (pid < 0) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
  return {pid, end_of(status)};
}

}  // namespace neuroreg
