#pragma once
// The daemon's control commands. Each is one entry in the dispatcher's
// table; add a new one with commands.add("name", ...).
#include <cstdint>
#include <functional>

#include "config/config.hpp"
#include "control/dispatcher.hpp"
#include "core/clock.hpp"
#include "pipeline/intake.hpp"
#include "store/store.hpp"
#include "uplink/uplink.hpp"

namespace gw {

struct CommandContext {
    const Config& config;
    Intake& intake;
    Store& store;
    Uplink& uplink;
    Clock& clock;
    int64_t started_mono_ms;
    // The operating mode for `status` ({"mode","since","until","source"}).
    std::function<nlohmann::json()> mode;
    // Whether an incident (or event) id names an open incident: an injected
    // update or clear must name one.
    std::function<bool(const std::string& id)> incident_open;
    // The pipeline's counts for `status` (samples, dropped batches, events,
    // events the store refused); null when there is none.
    std::function<nlohmann::json()> pipeline;
};

// inject:
// {"cmd":"inject","type":T,"severity":S[,"kind","detector","state","value","unit","message",
//  "incident"]}
//   -> {"ok":true,"id":ID} once the event is durable. An update or clear
//   names an open incident; text fields are strings, value a number.
// status: {"cmd":"status"} -> version, uptime, config hash, boot, link, store, clock.
// Both touch the store, so they run on the dispatcher's io workers.
void add_daemon_commands(Dispatcher& commands, CommandContext ctx);

nlohmann::json status_report(const CommandContext& ctx);

// {"alarm"|"telemetry"|"evidence": {"rows","bytes","oldest_unsent_age_ms"}}:
// the store's lanes as `status` and `store` both report them.
nlohmann::json lanes_json(Store& store, const StoreStats& st, int64_t now_ms);

}  // namespace gw
