#pragma once
// systemd integration: READY/STOPPING/WATCHDOG notifications. Every call is a
// no-op when the daemon does not run under systemd (no NOTIFY_SOCKET).
#include <cstdint>
#include <string>

namespace gw {

class ServiceNotifier {
  public:
    ServiceNotifier();
    void ready(const std::string& status);
    void stopping();
    // Pings the watchdog if it is due; one thread only (WatchdogFeeder's).
    void watchdog(int64_t mono_ms);
    // How often the feeder must wake up to keep the watchdog fed (ms).
    int64_t interval_ms() const { return interval_ms_; }

  private:
    int64_t interval_ms_ = 0;  // 0: no watchdog requested
    int64_t last_ping_ms_ = -1;
};

}  // namespace gw
