#include "commands.hpp"

#include <optional>

#include "gw/version.hpp"

namespace gw {
namespace {

using nlohmann::json;

// The name of the first field of the request that has the wrong JSON type.
std::optional<std::string> mistyped(const json& req) {
    for (const char* key :
         {"detector", "kind", "type", "unit", "message", "incident", "severity", "state"})
        if (req.contains(key) && !req[key].is_string())
            return std::string(key) + " must be a string";
    if (req.contains("value") && !req["value"].is_number()) return "value must be a number";
    return std::nullopt;
}

json inject(const CommandContext& ctx, const json& req) {
    if (auto why = mistyped(req)) return {{"ok", false}, {"error", *why}};
    Event e;
    e.detector = req.value("detector", std::string("control"));
    e.kind = req.value("kind", std::string("system"));
    e.type = req.value("type", std::string("test"));
    e.unit = req.value("unit", std::string());
    e.message = req.value("message", std::string("injected through the control socket"));
    e.incident = req.value("incident", std::string());  // an update or clear of an incident
    e.value = req.value("value", kNoValue);
    if (e.detector.empty() || e.kind.empty() || e.type.empty())
        return {{"ok", false}, {"error", "detector, kind and type must not be empty"}};
    auto sev = severity_from_string(req.value("severity", std::string("info")));
    if (!sev) return {{"ok", false}, {"error", "severity must be " + names_joined(kSeverityNames)}};
    e.severity = *sev;
    auto state = event_state_from_string(req.value("state", std::string("raise")));
    if (!state)
        return {{"ok", false}, {"error", "state must be " + names_joined(kEventStateNames)}};
    e.state = *state;
    // The center would get an update of an incident it never heard of.
    if (e.state != EventState::raise &&
        (e.incident.empty() || (ctx.incident_open && !ctx.incident_open(e.incident))))
        return {{"ok", false},
                {"error", "an update or clear names an open incident (incident: its id); " +
                              (e.incident.empty() ? std::string("none given")
                                                  : "no open incident " + e.incident)}};
    e.details = {{"injected", true}};
    auto id = ctx.intake.submit_event(std::move(e));
    if (!id) return {{"ok", false}, {"error", id.error()}};
    return {{"ok", true}, {"id", *id}};
}

}  // namespace

json lanes_json(Store& store, const StoreStats& st, int64_t now_ms) {
    json lanes = json::object();
    for (Lane lane : kAllLanes) {
        const LaneStats& s = st.lane(lane);
        auto oldest = store.oldest_t_ms(lane);
        lanes[to_string(lane)] = {
            {"rows", s.rows},
            {"bytes", s.bytes},
            {"oldest_unsent_age_ms", oldest ? json(now_ms - *oldest) : json(nullptr)}};
    }
    return lanes;
}

json status_report(const CommandContext& ctx) {
    const int64_t now = ctx.clock.now_ms();
    const LinkState link = ctx.uplink.state();
    const StoreStats st = ctx.store.stats();
    json broker = {
        {"uri", link.broker},
        {"connected", link.connected},
        {"connected_since_ms", link.connected ? json(link.connected_since_ms) : json(nullptr)},
        {"last_puback_ms", link.last_puback_ms ? json(link.last_puback_ms) : json(nullptr)},
        {"published", link.published},
        {"acked", link.acked},
        {"inflight", link.inflight},
        {"parked", link.parked},
        {"connects", link.connects},
        {"last_error", link.last_error}};
    json store = lanes_json(ctx.store, st, now);
    store["evicted_rows"] = st.telemetry_evicted_rows;
    store["full_events"] = st.full_events;
    if (!link.store_error.empty()) store["read_error"] = link.store_error;
    return {{"ok", true},
            {"version", kVersion},
            {"uptime_ms", ctx.clock.mono_ms() - ctx.started_mono_ms},
            {"config_hash", ctx.config.hash},
            {"site", ctx.config.identity.site},
            {"gateway", ctx.config.identity.gateway},
            {"boot", ctx.store.boot()},
            {"clock", ctx.clock.synced() ? "synced" : "unsynced"},
            {"mode", ctx.mode ? ctx.mode() : json(nullptr)},
            {"broker", broker},
            {"store", store},
            {"pipeline", ctx.pipeline ? ctx.pipeline() : json(nullptr)}};
}

void add_daemon_commands(Dispatcher& commands, CommandContext ctx) {
    using Pool = Dispatcher::Pool;
    // A store commit (inject) or two reads (status): seconds at the very worst.
    constexpr int64_t kDeadlineMs = 15000;
    commands.add("inject", Pool::io, kDeadlineMs,
                 [ctx](const json& req, const Peer&, const Cancel&) { return inject(ctx, req); });
    commands.add("status", Pool::io, kDeadlineMs,
                 [ctx](const json&, const Peer&, const Cancel&) { return status_report(ctx); });
}

}  // namespace gw
