#pragma once
// Feeds systemd's watchdog from a thread of its own, while every watched
// thread (the main loop among them) beats within the stall limit. The main
// loop stores events (store notices, incident re-sends) and waits for each
// commit: on a full or slow disk one wait can outlast WatchdogSec (30 s),
// and a ping from the main loop would then restart a gateway that is only
// slow. A hang of any watched thread still starves the watchdog, after the
// stall limit.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "core/clock.hpp"
#include "core/heartbeat.hpp"
#include "core/liveness.hpp"
#include "core/log.hpp"
#include "service_notify.hpp"

namespace gw {

class WatchdogFeeder {
  public:
    WatchdogFeeder(ServiceNotifier& notifier, Liveness watched, Clock& clock, Log& log);
    ~WatchdogFeeder();  // stops the thread
    WatchdogFeeder(const WatchdogFeeder&) = delete;
    WatchdogFeeder& operator=(const WatchdogFeeder&) = delete;

  private:
    void run();
    void feed();

    ServiceNotifier& notifier_;
    const Liveness watched_;
    Clock& clock_;
    Log& log_;
    bool stall_logged_ = false;  // a stall is logged once, not every second
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;  // last: started once the rest is built
};

// Feeds the watchdog while a reload rebuilds the daemon's parts in this
// process, when no worker runs to beat: opening the store again (its check,
// a salvage) may outlast WatchdogSec, and systemd would kill the gateway in
// the middle of it. For at most `limit_ms`: a rebuild that takes longer
// counts as hung.
class RebuildFeeder {
  public:
    RebuildFeeder(Clock& clock, Log& log, int64_t limit_ms);

  private:
    ServiceNotifier notifier_;
    Heartbeat never_;  // timed from the start, never beaten
    WatchdogFeeder feeder_;
};

}  // namespace gw
