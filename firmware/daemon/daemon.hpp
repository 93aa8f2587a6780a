#pragma once
// The daemon's composition root: builds every part from the config, wires
// them together, runs the main loop until a shutdown signal, and stops them
// in order. Parts receive what they need (config, Log, Clock) by reference.
#include <memory>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "service_notify.hpp"
#include "signals.hpp"

namespace gw {

class Daemon {
public:
    Daemon(const Config& config, Log& log, Clock& clock);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    Status start();
    // Runs until SIGTERM/SIGINT; returns the process exit code.
    int run(ShutdownSignals& signals);

private:
    void stop();

    const Config& config_;
    Log& log_;
    Clock& clock_;
    ServiceNotifier notifier_;
    int64_t started_mono_ms_ = 0;
};

}  // namespace gw
