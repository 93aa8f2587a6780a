#pragma once
// A worker thread's proof of life. The thread beats each time round its
// loop (every loop wakes at least every few seconds, busy or idle); the
// daemon reads the beats before it feeds systemd's watchdog, so a thread that
// hangs gets the gateway restarted rather than left running deaf.
#include <atomic>
#include <cstdint>

namespace gw {

class Heartbeat {
  public:
    void beat(int64_t mono_ms) { last_.store(mono_ms, std::memory_order_relaxed); }
    // Monotonic time of the last beat; -1 before the first.
    int64_t last_ms() const { return last_.load(std::memory_order_relaxed); }

  private:
    std::atomic<int64_t> last_{-1};
};

}  // namespace gw
