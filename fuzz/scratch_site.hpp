#pragma once
// What the control and command fuzz targets share: the daemon's base parts,
// built once per process in a scratch directory: the example config, a store
// (small caps, no commit window), the id source, the intake and the closed
// loop attached to it. A broken invariant aborts with the target's name, so
// libFuzzer keeps the input.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "config/loader.hpp"
#include "core/clock.hpp"
#include "core/event_id.hpp"
#include "core/log.hpp"
#include "detectors/kinds.hpp"
#include "loop/closed_loop.hpp"
#include "pipeline/intake.hpp"
#include "store/store.hpp"

namespace gw::fuzz {

[[noreturn]] inline void broken(const std::string& target, const char* what,
                                const std::string& detail) {
    std::fprintf(stderr, "%s fuzz: %s: %s\n", target.c_str(), what, detail.c_str());
    std::abort();
}

inline std::string scratch_dir(const std::string& target) {
    // tmpfs when there is one: the store fsyncs every commit.
    const std::filesystem::path base =
        ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : std::filesystem::temp_directory_path();
    std::string tmpl = (base / ("gw-fuzz-" + target + ".XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) broken(target, "mkdtemp", tmpl);
    return tmpl;
}

struct ScratchSite {
    std::string target;
    std::string dir = scratch_dir(target);
    std::FILE* devnull = std::fopen("/dev/null", "w");
    Log log{LogLevel::error, devnull};
    ManualClock clock{1700000000000};
    Config config;
    std::unique_ptr<Store> store;
    std::unique_ptr<EventIdSource> ids;
    std::unique_ptr<Intake> intake;
    std::unique_ptr<loop::ClosedLoop> loop;

    explicit ScratchSite(std::string name) : target(std::move(name)) {
        auto loaded = load_config(GW_SOURCE_DIR "/firmware/base/config/gateway.example.toml",
                                  detectors::kinds());
        if (!loaded.ok()) fail("example config", loaded.errors.lines.front());
        config = *loaded.config;
        config.store.path = dir + "/store.db";
        StoreOptions so;
        so.path = config.store.path;
        so.alarm_max_bytes = 1 << 20;
        so.telemetry_max_bytes = 1 << 20;
        so.commit_window_ms = 0;
        auto opened = Store::open(so, clock, log);
        if (!opened) fail("store", opened.error());
        store = std::move(*opened);
        ids = std::make_unique<EventIdSource>(config.identity.gateway, store->boot());
        intake = std::make_unique<Intake>(
            *store, *ids, contract::Origin{config.identity.site, config.identity.gateway}, clock,
            log);
        auto opened_loop = loop::ClosedLoop::open(config, config.store.path, clock, log);
        if (!opened_loop) fail("closed loop", opened_loop.error());
        loop = std::move(*opened_loop);
        intake->add_observer(loop.get());
        loop->attach([this](Event e) { return intake->store_event(std::move(e)); },
                     [](const loop::ModeState&) {});
    }
    // The target's own parts (threads on these) are gone by now.
    ~ScratchSite() {
        intake.reset();
        loop.reset();
        store.reset();
        std::filesystem::remove_all(dir);
        std::fclose(devnull);
    }
    ScratchSite(const ScratchSite&) = delete;
    ScratchSite& operator=(const ScratchSite&) = delete;

    [[noreturn]] void fail(const char* what, const std::string& detail) const {
        broken(target, what, detail);
    }
};

}  // namespace gw::fuzz
