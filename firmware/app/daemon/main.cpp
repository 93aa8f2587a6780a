// gatewayd: the city-edge-gateway daemon.
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "camera/camera.hpp"
#include "config/loader.hpp"
#include "config/start_checks.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "daemon.hpp"
#include "detectors/kinds.hpp"
#include "gw/version.hpp"
#include "signals.hpp"
#include "watchdog_feeder.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitConfig = 2;
// How long a reload may take to rebuild the parts (the store's check, a
// salvage) with the watchdog fed: the workers' stall limit.
constexpr int64_t kRebuildLimitMs = 300000;

// Loads the config and checks the files it names; the errors go to
// stderr. Empty when the gateway cannot start on it.
std::optional<gw::Config> load(const std::string& path) {
    auto loaded = gw::load_config(path, gw::detectors::kinds());
    if (!loaded.ok()) {
        for (const auto& line : loaded.errors.lines) std::cerr << line << "\n";
        return std::nullopt;
    }
    const auto problems = gw::start_problems(*loaded.config);
    for (const auto& line : problems) std::cerr << line << "\n";
    if (!problems.empty()) return std::nullopt;
    return std::move(loaded.config);
}

int check_config(const std::string& path) {
    if (!load(path)) return kExitConfig;
    std::cout << "ok\n";
    return kExitOk;
}

int run(const std::string& path) {
    // Block the shutdown signals before any thread starts, so all inherit it.
    gw::ShutdownSignals signals;
    gw::camera::bound_capture_waits();
    gw::Log log;
    std::optional<gw::Config> config = load(path);
    if (!config) {
        log.error("main", "invalid configuration, not starting", {{"config", path}});
        return kExitConfig;
    }
    gw::SystemClock clock;
    // A reload (command from the center, or SIGHUP) ends run() with
    // kRestart: the parts are rebuilt with the new file; the process stays.
    std::optional<gw::Config> previous;  // the config that ran before a reload
    int64_t salvage_hold_until = 0;      // see Daemon::kSalvageGapMs
    for (bool rebuild = false;; rebuild = true) {
        gw::LogLevel level = gw::LogLevel::info;
        gw::parse_log_level(config->log_level, level);
        log.set_level(level);
        std::string start_error;
        int code = kExitRuntime;
        {
            gw::Daemon daemon(*config, log, clock);
            daemon.hold_salvage_until(salvage_hold_until);
            gw::Status started;
            {
                // At the first start systemd waits for READY; after a
                // reload its watchdog runs on.
                std::optional<gw::RebuildFeeder> fed;
                if (rebuild) fed.emplace(clock, log, kRebuildLimitMs);
                started = daemon.start();
            }
            if (!started)
                start_error = started.error();
            else
                code = daemon.run(signals);
        }
        if (!start_error.empty()) {
            log.error("main", "start failed", {{"error", start_error}});
            if (!previous) return kExitRuntime;
            log.warn("main", "starting again with the config that ran before the reload");
            config = std::move(previous);
            previous.reset();
            continue;
        }
        if (code == gw::Daemon::kRebuild) {
            previous.reset();  // the same config: nothing to fall back to
            salvage_hold_until = clock.mono_ms() + gw::Daemon::kSalvageGapMs;
            continue;
        }
        if (code != gw::Daemon::kRestart) return code;
        std::optional<gw::Config> next = load(path);
        if (!next) {
            log.error("main", "invalid configuration, running config kept", {{"config", path}});
            continue;
        }
        // Checked before the restart too; the file may have changed since.
        if (const auto problems = gw::reload_problems(*config, *next); !problems.empty()) {
            log.error("main", "configuration cannot be reloaded, running config kept",
                      {{"config", path}, {"error", problems.front()}});
            continue;
        }
        previous = std::move(config);
        config = std::move(next);
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "gatewayd: city-edge-gateway daemon (sensors, detectors, store-and-forward, MQTT uplink)"};
    std::string config_path = "/etc/city-edge-gateway/gateway.toml";
    std::string check_path;
    bool version = false;
    app.add_option("-c,--config", config_path, "configuration file")->capture_default_str();
    app.add_option("--check-config", check_path,
                   "validate FILE, print ok or the errors; exit 0 or 2");
    app.add_flag("-V,--version", version, "print the version and exit");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? kExitOk : kExitConfig;
    }
    if (version) {
        std::cout << "gatewayd " << gw::kVersion << "\n";
        return kExitOk;
    }
    if (!check_path.empty()) return check_config(check_path);
    return run(config_path);
}
