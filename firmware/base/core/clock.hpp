#pragma once
// The one clock. Everything that needs time gets a Clock&, so tests and
// `gatewayctl replay` drive time by hand and the daemon uses the system clock.
#include <atomic>
#include <cstdint>

namespace gw {

// A step back of the wall clock longer than this is taken as a clock step
// (NTP, a technician's `date`), not as a sample read a little late.
constexpr int64_t kClockStepMs = 10'000;

class Clock {
  public:
    virtual ~Clock() = default;
    // Wall time, UTC milliseconds since the epoch: what goes into payloads.
    virtual int64_t now_ms() const = 0;
    // Monotonic milliseconds: for timeouts, intervals and ages.
    virtual int64_t mono_ms() const = 0;
    // The same monotonic clock in microseconds: for durations shorter than a
    // millisecond (a Modbus request's latency on a fast link).
    virtual int64_t mono_us() const { return mono_ms() * 1000; }
    // Whether wall time is trustworthy (NTP synchronised). Reported in every
    // event so the center knows whether to trust `ts`.
    virtual bool synced() const = 0;
};

class SystemClock final : public Clock {
  public:
    int64_t now_ms() const override;
    int64_t mono_ms() const override;
    int64_t mono_us() const override;
    bool synced() const override;
};

// Test and replay clock: time moves only when told to.
class ManualClock final : public Clock {
  public:
    // Atomics: the parts under test read the time on their own threads (the
    // store's writer) while the test thread moves it.
    explicit ManualClock(int64_t start_ms = 0, bool synced = true)
        : now_(start_ms), mono_(0), synced_(synced) {}
    int64_t now_ms() const override { return now_.load(); }
    int64_t mono_ms() const override { return mono_.load(); }
    bool synced() const override { return synced_.load(); }
    void advance(int64_t ms) {
        now_ += ms;
        mono_ += ms;
    }
    void set(int64_t now_ms) {
        const int64_t was = now_.exchange(now_ms);
        if (now_ms > was) mono_ += now_ms - was;
    }
    // The wall clock stepped (NTP, a technician's `date`), monotonic time
    // going on as before.
    void step_wall(int64_t ms) { now_ += ms; }
    void set_synced(bool s) { synced_ = s; }

  private:
    std::atomic<int64_t> now_;
    std::atomic<int64_t> mono_;
    std::atomic<bool> synced_;
};

}  // namespace gw
