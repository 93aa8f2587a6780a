// The diagnostics commands behind gatewayctl (see diag.hpp and
// docs/gatewayctl.md for the request and reply shapes).
#include <memory>

#include "contract/contract.hpp"
#include "control/commands.hpp"
#include "core/base64.hpp"
#include "diag.hpp"

namespace gw {
namespace {

using nlohmann::json;

json error(const std::string& what) {
    return {{"ok", false}, {"error", what}};
}

// An optional integer argument within [lo, hi]; an error message otherwise.
Result<int64_t> int_arg(const json& req, const char* key, int64_t fallback, int64_t lo,
                        int64_t hi) {
    auto it = req.find(key);
    if (it == req.end()) return fallback;
    if (!it->is_number_integer()) return fail(std::string("\"") + key + "\" must be an integer");
    auto v = it->get<int64_t>();
    if (v < lo || v > hi)
        return fail(std::string("\"") + key + "\" must be in " + std::to_string(lo) + ".." +
                    std::to_string(hi));
    return v;
}

Result<std::string> string_arg(const json& req, const char* key) {
    auto it = req.find(key);
    if (it == req.end() || !it->is_string() || it->get<std::string>().empty())
        return fail(std::string("\"") + key + "\" (a non-empty string) is required");
    return it->get<std::string>();
}

// As the center gets it, with the time under "t_ms" like every local view.
json event_json(const Event& e) {
    return contract::event_json(e, "t_ms");
}

json points(const DiagContext& ctx) {
    const int64_t now = ctx.clock.now_ms();
    const auto live = ctx.live.points();
    json out = json::array();
    // Every configured point, answered or not: a silent sensor must show.
    for (const auto& p : ctx.config.points) {
        json j = {{"id", p.id}, {"device", p.device}, {"unit", p.unit}};
        auto it = live.find(p.id);
        if (it == live.end()) {
            j.update(
                {{"value", nullptr}, {"quality", "none"}, {"age_ms", nullptr}, {"samples", 0}});
        } else {
            const PointState& s = it->second;
            j.update({{"value", s.last.value},
                      {"quality", std::string(to_string(s.last.quality))},
                      {"t_ms", s.last.t_ms},
                      {"age_ms", now - s.last.t_ms},
                      {"good_age_ms", s.good_t_ms ? json(now - s.good_t_ms) : json(nullptr)},
                      {"samples", s.samples}});
        }
        out.push_back(std::move(j));
    }
    return {{"points", out}, {"now_ms", now}};
}

json devices(const DiagContext& ctx, const json& req) {
    if (!ctx.devices) return error("device counters are not available in this daemon");
    json all = ctx.devices();
    auto id = req.find("id");
    if (id == req.end()) return {{"devices", all}};
    if (!id->is_string()) return error("\"id\" must be a string");
    std::string known;
    for (const auto& d : all) {
        if (d.value("id", std::string()) == id->get<std::string>())
            return {{"devices", json::array({d})}};
        known += (known.empty() ? "" : ", ") + d.value("id", std::string("?"));
    }
    return error("no device \"" + id->get<std::string>() + "\" (devices: " + known + ")");
}

json events(const DiagContext& ctx, const json& req) {
    auto limit = int_arg(req, "limit", 50, 1, 1000);
    if (!limit) return error(limit.error());
    json recent = json::array(), active = json::array();
    auto all = ctx.live.recent_events();
    size_t from = all.size() > size_t(*limit) ? all.size() - size_t(*limit) : 0;
    for (size_t i = from; i < all.size(); ++i) recent.push_back(event_json(all[i]));
    for (const auto& e : ctx.live.active_incidents()) active.push_back(event_json(e));
    return {{"recent", recent}, {"active", active}};
}

json store_stats(const DiagContext& ctx) {
    const StoreStats st = ctx.store.stats();
    const int64_t now = ctx.clock.now_ms();
    json j = lanes_json(ctx.store, st, now);
    j.update({{"path", ctx.config.store.path},
              {"boot", ctx.store.boot()},
              {"alarm_max_bytes", ctx.config.store.alarm_max_bytes},
              {"telemetry_max_bytes", ctx.config.store.telemetry_max_bytes},
              {"evidence_max_bytes", ctx.config.store.evidence_max_bytes},
              {"evidence_evicted_rows", st.evidence_evicted_rows},
              {"evicted_rows", st.telemetry_evicted_rows},
              {"evicted_bytes", st.telemetry_evicted_bytes},
              {"commits", st.commits},
              {"full_events", st.full_events}});
    return j;
}

// One page of unsent rows, oldest first; the client passes "next" back as
// "after" until "done". Payloads are the MQTT messages, parsed back to JSON.
// A page ends early at kExportPageBytes of payload: 500 evidence images of
// ~200 KB made a 100 MB reply that the client refuses (over 16 MiB), so a
// lane with images could not be exported, and building it took that much
// memory per request. Rows are read a few at a time for the same reason.
json store_export(const DiagContext& ctx, const json& req) {
    constexpr size_t kExportPageBytes = 4 << 20;
    constexpr int kReadRows = 32;
    const std::string lane_name = req.value("lane", std::string("alarm"));
    const auto lane = lane_from_string(lane_name);
    if (!lane) return error("\"lane\" must be alarm, telemetry or evidence");
    auto after = int_arg(req, "after", 0, 0, INT64_MAX);
    auto limit = int_arg(req, "limit", 200, 1, 1000);
    if (!after || !limit) return error(!after ? after.error() : limit.error());
    json records = json::array();
    int64_t next = *after;
    size_t bytes = 0;
    bool full = false;     // the page's byte budget is spent
    bool drained = false;  // no rows after `next`
    while (!full && !drained && records.size() < size_t(*limit)) {
        const int want = static_cast<int>(std::min<int64_t>(kReadRows, *limit - records.size()));
        auto rows = ctx.store.read(*lane, next, want);
        if (!rows) return error("store: " + rows.error());
        drained = rows->size() < size_t(want);
        for (const auto& r : *rows) {
            if (!records.empty() && bytes + r.payload.size() > kExportPageBytes) {
                full = true;
                break;
            }
            bytes += r.payload.size();
            json payload = json::parse(r.payload, nullptr, false);
            records.push_back({{"lane", lane_name},
                               {"seq", r.seq},
                               {"t_ms", r.t_ms},
                               {"payload", payload.is_discarded() ? json(r.payload) : payload}});
            next = r.seq;
        }
    }
    const StoreStats st = ctx.store.stats();
    return {{"records", records},
            {"next", next},
            {"done", drained && !full},
            {"total", st.lane(*lane).rows}};
}

// How often mqtt_test looks whether its row is gone (one indexed SQLite read).
constexpr int64_t kAckPollMs = 10;

// Injects a test event and waits until its row leaves the alarm lane: rows
// are deleted only on PUBACK, so "gone" means "the broker has it".
json mqtt_test(const DiagContext& ctx, const json& req, const Cancel& cancel) {
    auto timeout = int_arg(req, "timeout_ms", 10000, 100, 60000);
    if (!timeout) return error(timeout.error());
    Event e;
    e.detector = "gatewayctl";
    e.kind = "system";
    e.type = "mqtt_test";
    e.one_shot = true;
    e.severity = Severity::info;
    e.value = kNoValue;
    e.message = "gatewayctl mqtt test";
    e.details = {{"test", true}};
    const int64_t t0 = ctx.clock.mono_ms();
    auto id = ctx.intake.submit_event(std::move(e));
    if (!id) return error("could not store the test event: " + id.error());
    ctx.uplink.wake();
    auto elapsed = [&] { return ctx.clock.mono_ms() - t0; };
    auto seq = ctx.store.find_seq(Lane::alarm, "\"" + *id + "\"");
    if (!seq) return error(seq.error());
    for (;;) {
        // Not found right after the append: already acked and deleted.
        if (!*seq) break;
        auto there = ctx.store.has_row(Lane::alarm, **seq);
        if (!there) return error(there.error());
        if (!*there) break;
        if (elapsed() > *timeout) {
            const LinkState link = ctx.uplink.state();
            return {{"id", *id},
                    {"acked", false},
                    {"broker", link.broker},
                    {"connected", link.connected},
                    {"last_error", link.last_error},
                    {"waited_ms", elapsed()}};
        }
        if (!cancel.wait_for(kAckPollMs))
            return error("mqtt test of " + *id + " interrupted (" + cancel.reason() +
                         "); the event stays in the store and goes out when the broker answers");
    }
    return {{"id", *id},
            {"acked", true},
            {"puback_ms", elapsed()},
            {"broker", ctx.uplink.state().broker}};
}

const json* find_device(const json& all, const std::string& id) {
    for (const auto& d : all)
        if (d.value("id", std::string()) == id) return &d;
    return nullptr;
}

json check(const std::string& name, bool passed, const std::string& detail) {
    return {{"name", name}, {"passed", passed}, {"detail", detail}};
}

json selftest(const DiagContext& ctx, const json& req, const Cancel& cancel) {
    json checks = json::array();
    const json all = ctx.devices ? ctx.devices() : json::array();
    auto device_check = [&](const std::string& kind, const std::string& id, bool camera) {
        const json* d = find_device(all, id);
        if (!d) return check(kind + " " + id, false, "not reported by the daemon");
        bool online = d->value("online", false);
        if (camera) {
            auto frames = d->value("frames_delivered", uint64_t(0));
            bool frozen = d->value("frozen", false), covered = d->value("covered", false);
            bool ok = online && frames > 0 && !frozen && !covered;
            std::string why = !online       ? "offline"
                              : frames == 0 ? "no frames yet"
                              : frozen      ? "image frozen"
                              : covered     ? "lens covered or dark"
                                            : std::to_string(frames) + " frames";
            return check(kind + " " + id, ok, why);
        }
        std::string err = d->value("last_error", std::string());
        if (online && kind == "serial") return serial_selftest(id, *d);
        return check(kind + " " + id, online, online ? "answering" : err.empty() ? "offline" : err);
    };
    for (const auto& d : ctx.config.devices) checks.push_back(device_check("device", d.id, false));
    for (const auto& p : ctx.config.serial_ports)
        checks.push_back(device_check("serial", p.id, false));
    for (const auto& c : ctx.config.cameras) checks.push_back(device_check("camera", c.id, true));

    // The test event first: the link is read after it, so a selftest that
    // runs while the uplink is still connecting (one queued over MQTT, run
    // at start-up) does not report the broker down beside its own PUBACK.
    json t = mqtt_test(ctx, {{"timeout_ms", req.value("timeout_ms", 10000)}}, cancel);
    const LinkState link = ctx.uplink.state();
    checks.push_back(check(
        "broker", link.connected,
        link.connected
            ? link.broker
            : link.broker + ": " + (link.last_error.empty() ? "not connected" : link.last_error)));
    if (ctx.config.uplink.tls) {
        const bool tls = is_tls_uri(link.broker);
        checks.push_back(check("broker TLS", link.connected && tls,
                               tls ? "TLS in use" : "configured but the link is not TLS"));
    }
    if (t.contains("error")) {
        checks.push_back(check("test event acked", false, t["error"].get<std::string>()));
    } else if (t["acked"].get<bool>()) {
        checks.push_back(
            check("test event acked", true,
                  "PUBACK after " + std::to_string(t["puback_ms"].get<long>()) + " ms"));
    } else {
        checks.push_back(check("test event acked", false, "no PUBACK (kept in the store)"));
    }
    bool passed = true;
    for (const auto& c : checks) passed = passed && c["passed"].get<bool>();
    return {{"checks", checks}, {"passed", passed}};
}

json snapshot(const DiagContext& ctx, const json& req) {
    auto id = string_arg(req, "camera");
    if (!id) return error(id.error());
    if (!ctx.config.camera(*id)) return error(ctx.config.no_camera(*id));
    if (!ctx.snapshot) return error("snapshots are not available in this daemon");
    auto jpeg = ctx.snapshot(*id);
    if (!jpeg) return error(jpeg.error());
    return {{"camera", *id}, {"bytes", jpeg->size()}, {"jpeg_base64", base64_encode(*jpeg)}};
}

json samples(const DiagContext& ctx, const json& req) {
    // Each start of the daemon (a reload too) has a new ring whose cursors
    // count from 1 again; its boot number tells a reader which ring a cursor
    // belongs to.
    const uint64_t ring = ctx.store.boot();
    if (!req.contains("after"))
        return {{"samples", json::array()}, {"next", ctx.live.sample_cursor()}, {"ring", ring}};
    auto after = int_arg(req, "after", 0, 0, INT64_MAX);
    auto limit = int_arg(req, "limit", 1000, 1, 5000);
    if (!after || !limit) return error(!after ? after.error() : limit.error());
    SamplePage page = ctx.live.samples_after(uint64_t(*after), size_t(*limit));
    json out = json::array();
    for (const auto& s : page.samples)
        out.push_back({{"t_ms", s.t_ms},
                       {"point", s.point},
                       {"value", s.value},
                       {"quality", std::string(to_string(s.quality))}});
    return {{"samples", out}, {"next", page.next}, {"dropped", page.dropped}, {"ring", ring}};
}

json owns_bus(const DiagContext& ctx, const json& req) {
    auto bus = string_arg(req, "bus");
    if (!bus) return error(bus.error());
    return {{"bus", *bus}, {"owned", ctx.owns_bus ? ctx.owns_bus(*bus) : false}};
}

}  // namespace

// An open port is not yet an answering sensor: it passes once a line gave a
// sample. Until then the counters say why (nothing arriving: wiring or
// sensor; garbage: baud rate or parity; no match: the pattern).
json serial_selftest(const std::string& id, const json& d) {
    const auto n = [&](const char* k) { return d.value(k, uint64_t(0)); };
    const auto count = [&](const char* k, const char* what) {
        return std::to_string(n(k)) + " " + what;
    };
    if (n("samples") > 0) {
        // Lines that gave samples; any that did not are said beside them.
        std::string detail = count("matched", "lines matched");
        if (n("no_match") > 0) detail += ", " + count("no_match", "not matching the pattern");
        if (n("parse_errors") > 0) detail += ", " + count("parse_errors", "not numbers");
        return {{"name", "serial " + id}, {"passed", true}, {"detail", detail}};
    }
    const std::string why =
        n("bytes") == 0
            ? "open, but nothing received yet"
            : "open, but no valid sample yet: " + count("bytes", "bytes") + ", " +
                  count("lines", "valid lines") + ", " + count("garbage", "garbage") + ", " +
                  count("bad_checksum", "bad checksum") + ", " + count("overlong", "overlong") +
                  ", " + count("no_match", "not matching the pattern") + ", " +
                  count("parse_errors", "not numbers");
    return {{"name", "serial " + id}, {"passed", false}, {"detail", why}};
}

void add_diag_commands(Dispatcher& commands, DiagContext ctx) {
    using Pool = Dispatcher::Pool;
    // Store reads and a JPEG: well under a second unless the disk stalls.
    constexpr int64_t kIoDeadlineMs = 15000;
    // mqtt_test's timeout_ms is at most 60 s: its own answer comes first.
    constexpr int64_t kWaitDeadlineMs = 65000;
    auto c = std::make_shared<DiagContext>(ctx);
    commands.add("points", [c](const json&, const Peer&) { return points(*c); });
    commands.add("devices", [c](const json& r, const Peer&) { return devices(*c, r); });
    commands.add("events", [c](const json& r, const Peer&) { return events(*c, r); });
    commands.add("samples", [c](const json& r, const Peer&) { return samples(*c, r); });
    commands.add("owns_bus", [c](const json& r, const Peer&) { return owns_bus(*c, r); });
    commands.add("store_stats", Pool::io, kIoDeadlineMs,
                 [c](const json&, const Peer&, const Cancel&) { return store_stats(*c); });
    commands.add("store_export", Pool::io, kIoDeadlineMs,
                 [c](const json& r, const Peer&, const Cancel&) { return store_export(*c, r); });
    commands.add("snapshot", Pool::io, kIoDeadlineMs,
                 [c](const json& r, const Peer&, const Cancel&) { return snapshot(*c, r); });
    commands.add("mqtt_test", Pool::wait, kWaitDeadlineMs,
                 [c](const json& r, const Peer&, const Cancel& k) { return mqtt_test(*c, r, k); });
    commands.add("selftest", Pool::wait, kWaitDeadlineMs,
                 [c](const json& r, const Peer&, const Cancel& k) { return selftest(*c, r, k); });
}

}  // namespace gw
