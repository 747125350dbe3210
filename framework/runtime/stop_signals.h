// Stopping a run cleanly on SIGINT or SIGTERM.
//
// Ctrl-C, `kill` and a cluster's scheduler (which sends SIGTERM some time
// before SIGKILL) all ask a run to stop. The handlers only record the signal;
// the trainer looks at it at each step boundary, writes a checkpoint of where
// it stands and the run exits with 128 + the signal, saying how to resume. A
// second Ctrl-C ends the process at once; a repeated SIGTERM changes nothing.
#pragma once

#include <stdexcept>
#include <string>

namespace neuroreg {

/// A run that stopped on a signal after saving where it stood; the CLI
/// prints the message and exits with 128 + signal.
struct StoppedBySignal : std::runtime_error {
  StoppedBySignal(int sig, const std::string& message) : std::runtime_error(message), signal(sig) {}
  int signal;
};

/// Installs the handlers (once per process; later calls do nothing).
void install_stop_signals();

/// The signal that asked the run to stop, or 0.
int stop_signal();

/// Records `signal` as the handlers do (tests, and callers that stop a run
/// for their own reasons).
void request_stop(int signal);

/// Forgets a recorded signal (tests).
void clear_stop_request();

}  // namespace neuroreg
