#pragma once
// SIGTERM/SIGINT/SIGHUP delivered synchronously to the main loop through a
// signalfd, so shutdown runs as ordinary code (no work in a signal handler).
#include <optional>

namespace gw {

class ShutdownSignals {
  public:
    // Blocks the signals in the calling thread; create it before any other
    // thread so that every thread inherits the mask.
    ShutdownSignals();
    ~ShutdownSignals();
    ShutdownSignals(const ShutdownSignals&) = delete;
    ShutdownSignals& operator=(const ShutdownSignals&) = delete;

    // Waits up to timeout_ms; returns the signal number if one arrived.
    std::optional<int> wait(int timeout_ms);

  private:
    int fd_ = -1;
};

}  // namespace gw
