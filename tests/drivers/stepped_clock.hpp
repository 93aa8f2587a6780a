#pragma once
// A manual clock that driver threads may read while the test moves it
// (ManualClock is for single-threaded use): time stands still until the test
// advances it, so a test can show that a driver waits on the injected Clock.
#include <atomic>
#include <cstdint>

#include "core/clock.hpp"

namespace gw::test {

class SteppedClock final : public Clock {
  public:
    explicit SteppedClock(int64_t wall_start_ms = 1'700'000'000'000) : wall_start_(wall_start_ms) {}
    int64_t now_ms() const override { return wall_start_ + wall_steps_ + mono_; }
    int64_t mono_ms() const override { return mono_; }
    bool synced() const override { return true; }
    void advance(int64_t ms) { mono_ += ms; }
    // The wall clock is set (NTP): monotonic time does not move.
    void step_wall(int64_t ms) { wall_steps_ += ms; }

  private:
    const int64_t wall_start_;
    std::atomic<int64_t> wall_steps_{0};
    std::atomic<int64_t> mono_{0};
};

}  // namespace gw::test
