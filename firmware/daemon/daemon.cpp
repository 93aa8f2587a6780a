#include "daemon.hpp"

#include <signal.h>

#include <algorithm>

#include "gw/version.hpp"

namespace gw {

Daemon::Daemon(const Config& config, Log& log, Clock& clock)
    : config_(config), log_(log), clock_(clock) {}

Daemon::~Daemon() = default;

Status Daemon::start() {
    started_mono_ms_ = clock_.mono_ms();
    log_.info("daemon", "starting",
              {{"version", kVersion},
               {"config", config_.file},
               {"config_hash", config_.hash},
               {"site", config_.identity.site},
               {"gateway", config_.identity.gateway},
               {"devices", config_.devices.size()},
               {"points", config_.points.size()},
               {"cameras", config_.cameras.size()},
               {"detectors", config_.detectors.size()}});
    return Status::success();
}

int Daemon::run(ShutdownSignals& signals) {
    notifier_.ready("running");
    log_.info("daemon", "ready");
    // Wake at least every 500 ms: keeps the watchdog fed and bounds how long
    // a shutdown request can wait.
    const int64_t wake_ms = notifier_.interval_ms() > 0 ? std::min<int64_t>(500, notifier_.interval_ms()) : 500;
    for (;;) {
        notifier_.watchdog(clock_.mono_ms());
        auto sig = signals.wait(static_cast<int>(wake_ms));
        if (!sig) continue;
        if (*sig == SIGHUP) {
            log_.info("daemon", "SIGHUP ignored: restart the service to apply a new config");
            continue;
        }
        log_.info("daemon", "shutdown requested", {{"signal", *sig}});
        break;
    }
    notifier_.stopping();
    stop();
    log_.info("daemon", "stopped", {{"uptime_ms", clock_.mono_ms() - started_mono_ms_}});
    return 0;
}

void Daemon::stop() {}

}  // namespace gw
