#include "service_notify.hpp"

#include <systemd/sd-daemon.h>

namespace gw {

ServiceNotifier::ServiceNotifier() {
    uint64_t usec = 0;
    // Ping at half the configured WatchdogSec, as sd_watchdog_enabled(3) advises.
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
        interval_ms_ = static_cast<int64_t>(usec / 2000);
}

void ServiceNotifier::ready(const std::string& status) {
    sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void ServiceNotifier::stopping() {
    sd_notify(0, "STOPPING=1");
}

void ServiceNotifier::watchdog(int64_t mono_ms) {
    if (interval_ms_ <= 0) return;
    if (last_ping_ms_ >= 0 && mono_ms - last_ping_ms_ < interval_ms_) return;
    sd_notify(0, "WATCHDOG=1");
    last_ping_ms_ = mono_ms;
}

}  // namespace gw
