#include "plugin_host/load_probe.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <neuroreg/sdk/plugin.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "plugin_host/registry.h"

namespace neuroreg {

namespace {

// A child that reports no progress for this long is stuck (a deadlocked
// static constructor, an endless loop): loading one file takes milliseconds.
constexpr int kHangMilliseconds = 30'000;

// Runs in the child: only loads and registers, then leaves without running
// the parent's atexit handlers or flushing its stdio buffers a second time.
[[noreturn]] void probe_in_child(const std::string& file, int fd) {
  void* library = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  auto* entry =
      library == nullptr
          ? nullptr
          : reinterpret_cast<sdk::PluginEntry*>(::dlsym(library, "neuroreg_plugin_entry_impl"));
  const sdk::PluginInfo* info = entry == nullptr ? nullptr : entry();
  if (info != nullptr && info->sdk_version == NEUROREG_SDK_VERSION &&
      info->register_components != nullptr) {
    try {
      Registry scratch;
      info->register_components(scratch);
    } catch (...) {
      // The host reports a registration that throws, with its message.
    }
  }
  // The library's destructors run when the host exits; run them here too, so
  // a file that would crash the host on its way out is caught as well.
  if (library != nullptr) ::dlclose(library);
  // Errors above (dlopen, no entry) the host reports itself; the probe only
  // tells whether the process survived.
  const char done = 1;
  [[maybe_unused]] ssize_t written = ::write(fd, &done, 1);
  ::_exit(0);
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "crashed while loading (" + std::string(::strsignal(sig)) + ", signal " +
           std::to_string(sig) + ")";
  }
  return "ended the loading process with exit status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

std::string probe_plugin_file(const std::string& file) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return "";  // cannot probe: load as before
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return "";
  }
  if (child == 0) {
    ::close(pipe_fds[0]);
    probe_in_child(file, pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  bool done = false, hung = false;
  for (;;) {
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&pfd, 1, kHangMilliseconds);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      hung = true;
      ::kill(child, SIGKILL);
      break;
    }
    char byte = 0;
    done = ::read(pipe_fds[0], &byte, 1) == 1;
    break;
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (hung) {
    return "hung while loading (no progress for " + std::to_string(kHangMilliseconds / 1000) +
           " s)";
  }
  if (done && WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return describe_exit(status);
}

}  // namespace neuroreg
