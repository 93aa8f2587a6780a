#pragma once
// The reconnect backoff of a link (a Modbus bus, a camera, a serial port):
// each failure waits twice as long as the last, from `min_ms` up to `max_ms`.
// Pure: the caller adds the delay to Clock::mono_ms() and sleeps until then.
#include <algorithm>
#include <cstdint>

namespace gw::drivers {

class Backoff {
  public:
    Backoff(int64_t min_ms, int64_t max_ms) : min_ms_(min_ms), max_ms_(max_ms) {}
    // Another failure: how long to wait before the next attempt.
    int64_t next() {
        delay_ms_ = std::min(max_ms_, std::max(min_ms_, delay_ms_ * 2));
        return delay_ms_;
    }
    // The link works again: the next failure starts from min_ms.
    void reset() { delay_ms_ = 0; }
    // 0 until the first failure since the last reset.
    int64_t current_ms() const { return delay_ms_; }

  private:
    int64_t min_ms_;
    int64_t max_ms_;
    int64_t delay_ms_ = 0;
};

}  // namespace gw::drivers
