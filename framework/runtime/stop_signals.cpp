#include "runtime/stop_signals.h"

#include <atomic>
#include <csignal>

namespace neuroreg {

namespace {

std::atomic<int> requested{0};
static_assert(std::atomic<int>::is_always_lock_free, "read from a signal handler");

extern "C" void on_stop_signal(int signal) {
  int expected = 0;
  if (!requested.compare_exchange_strong(expected, signal) && signal == SIGINT) {
    // Ctrl-C twice: stop now, the default way. A repeated SIGTERM (a
    // scheduler signalling every process of a job) changes nothing.
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
}

}  // namespace

void install_stop_signals() {
  static const bool installed = [] {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    return true;
  }();
  (void)installed;
}

int stop_signal() { return requested.load(); }

void request_stop(int signal) { requested.store(signal); }

void clear_stop_request() { requested.store(0); }

}  // namespace neuroreg
