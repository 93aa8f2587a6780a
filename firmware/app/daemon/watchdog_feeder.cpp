#include "watchdog_feeder.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace gw {

WatchdogFeeder::WatchdogFeeder(ServiceNotifier& notifier, Liveness watched, Clock& clock, Log& log)
    : notifier_(notifier), watched_(std::move(watched)), clock_(clock), log_(log), thread_([this] {
          run();
      }) {}

WatchdogFeeder::~WatchdogFeeder() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

// Wakes once a second (more often only for a WatchdogSec under 2 s): the
// notifier pings at half WatchdogSec, and a stall shows within a second.
void WatchdogFeeder::run() {
    const int64_t interval = notifier_.interval_ms();
    const auto wake =
        std::chrono::milliseconds(interval > 0 ? std::min<int64_t>(1000, interval) : 1000);
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
        lock.unlock();
        feed();
        lock.lock();
        cv_.wait_for(lock, wake, [this] { return stop_; });
    }
}

// While a thread is stalled systemd's watchdog goes hungry, so systemd
// restarts the gateway (WatchdogSec after the last ping): what is on disk is
// sent after the restart. The log says which part hung, once.
void WatchdogFeeder::feed() {
    const int64_t now = clock_.mono_ms();
    const auto stall = watched_.stalled(now);
    if (!stall) {
        if (stall_logged_) log_.warn("daemon", "stalled part is running again, watchdog fed");
        stall_logged_ = false;
        notifier_.watchdog(now);
        return;
    }
    if (stall_logged_) return;
    stall_logged_ = true;
    log_.error("daemon", "a worker thread has stalled: not feeding the watchdog",
               {{"part", stall->part},
                {"silent_ms", stall->silent_ms},
                {"watchdog", notifier_.interval_ms() > 0 ? "on" : "off"}});
}

RebuildFeeder::RebuildFeeder(Clock& clock, Log& log, int64_t limit_ms)
    : feeder_(notifier_, Liveness({{"daemon.reload", &never_}}, limit_ms, clock.mono_ms()), clock,
              log) {}

}  // namespace gw
