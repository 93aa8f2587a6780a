#pragma once
// One log line per interval for an event that may repeat many times a
// second (a refused client, a full queue, a detector that throws on every
// frame): the first is logged at once, later ones at most once per
// interval, each line carrying how many events it stands for, so the log
// neither floods nor hides how often it happened. Events kept quiet are
// reported with the next one after the interval (or never, if none comes):
// no timer, so no thread. One throttle per message.
#include <cstdint>
#include <mutex>
#include <utility>

namespace gw {

class LogThrottle {
  public:
    static constexpr int64_t kDefaultIntervalMs = 10000;

    explicit LogThrottle(int64_t interval_ms = kDefaultIntervalMs) : interval_ms_(interval_ms) {}

    // Counts one event at now_ms (monotonic). Returns how many events the
    // caller should report now (this one and those kept quiet since the
    // last report), or 0 to stay quiet. Safe from any thread.
    uint64_t note(int64_t now_ms) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++pending_;
        ++total_;
        if (reported_ && now_ms - last_ms_ < interval_ms_) return 0;
        reported_ = true;
        last_ms_ = now_ms;
        return std::exchange(pending_, 0);
    }

    // Every event noted so far, reported or not.
    uint64_t total() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return total_;
    }

  private:
    const int64_t interval_ms_;
    mutable std::mutex mutex_;
    bool reported_ = false;
    int64_t last_ms_ = 0;
    uint64_t pending_ = 0;
    uint64_t total_ = 0;
};

}  // namespace gw
