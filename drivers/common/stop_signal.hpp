#pragma once
// A driver thread's stop flag and its sleeps, on the one Clock: the thread
// sleeps until a due time computed from the Clock, and stop() ends any sleep
// at once, so stopping a driver never waits out a poll interval or a backoff.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "core/clock.hpp"

namespace gw::drivers {

class StopSignal {
  public:
    // Arms it again before the thread (re)starts.
    void reset();
    // Asks the thread to stop and wakes it from any sleep.
    void stop();
    bool stopping() const { return stopping_.load(); }

    // Sleeps until `clock` reaches `due_mono_ms` (Clock::mono_ms) or stop()
    // is called; true unless stopping. A due time already past returns at once.
    bool sleep_until(const Clock& clock, int64_t due_mono_ms);
    bool sleep_for(const Clock& clock, int64_t ms) {
        return ms <= 0 ? !stopping() : sleep_until(clock, clock.mono_ms() + ms);
    }

  private:
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<bool> stopping_{false};
};

}  // namespace gw::drivers
