#include "stop_signal.hpp"

#include <algorithm>
#include <chrono>

namespace gw::drivers {

namespace {

// The wait is measured again on the Clock at least this often: a Clock that
// is not the system's (a test's or a replay's) moves without waking anyone.
constexpr int64_t kRecheckMs = 250;

}  // namespace

void StopSignal::reset() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
}

void StopSignal::stop() {
    {
        // Set under the lock: a sleeper between its check and its wait would
        // otherwise miss the notification.
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
}

bool StopSignal::sleep_until(const Clock& clock, int64_t due_mono_ms) {
    for (;;) {
        if (stopping_) return false;
        const int64_t left = due_mono_ms - clock.mono_ms();
        if (left <= 0) return true;
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait_for(lock, std::chrono::milliseconds(std::min(left, kRecheckMs)),
                       [this] { return stopping_.load(); });
    }
}

}  // namespace gw::drivers
