#include "contract.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/base64.hpp"

namespace gw::contract {
namespace {

using nlohmann::json;

// JSON has no NaN/Inf: a value that is not a number is sent as null.
json number_or_null(double v) {
    return std::isfinite(v) ? json(v) : json(nullptr);
}

const char* clock_word(bool synced) {
    return synced ? "synced" : "unsynced";
}

}  // namespace

Topics make_topics(const std::string& prefix, const std::string& site, const std::string& gateway) {
    Topics t;
    t.base = prefix + "/" + site + "/" + gateway;
    t.event = t.of(kEventRoute);
    t.telemetry = t.of(kTelemetryRoute);
    t.status = t.of(kStatusRoute);
    return t;
}

json event_json(const Event& e, const char* time_key) {
    json j = {
        {"id", e.id},
        {"incident", e.incident_id()},
        {time_key, e.t_ms},
        {"detector", e.detector},
        {"kind", e.kind},
        {"type", e.type},
        {"severity", std::string(to_string(e.severity))},
        {"state", std::string(to_string(e.state))},
        {"value", number_or_null(e.value)},
        {"unit", e.unit},
        {"message", e.message},
        {"details", e.details.is_object() ? e.details : json::object()},
    };
    if (e.evidence) j["evidence"] = *e.evidence;
    if (e.acked_by) j["acked_by"] = *e.acked_by;
    if (e.ack_note) j["ack_note"] = *e.ack_note;
    if (e.renotify) j["renotify"] = *e.renotify;
    if (e.escalated) j["escalated"] = true;
    return j;
}

std::string encode_event(const Event& e, const Origin& sender, bool clock_synced) {
    json j = event_json(e);
    const Origin& origin = e.origin ? *e.origin : sender;
    j["v"] = kContractVersion;
    j["site"] = origin.site;
    j["gateway"] = origin.gateway;
    j["clock"] = clock_word(clock_synced);
    // Replace, not throw, on invalid UTF-8 from a device string.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_telemetry(const std::vector<Sample>& samples, const Origin& origin,
                             bool clock_synced) {
    json arr = json::array();
    for (const auto& s : samples) {
        arr.push_back({{"point", s.point},
                       {"value", number_or_null(s.value)},
                       {"quality", std::string(to_string(s.quality))},
                       {"ts", s.t_ms}});
    }
    json j = {{"v", kContractVersion},
              {"site", origin.site},
              {"gateway", origin.gateway},
              {"clock", clock_word(clock_synced)},
              {"samples", std::move(arr)}};
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_status(const GatewayStatus& s, const Origin& origin) {
    json j = {{"v", kContractVersion}, {"site", origin.site}, {"gateway", origin.gateway},
              {"version", s.version},  {"boot", s.boot},      {"config_hash", s.config_hash},
              {"online", s.online},    {"ts", s.ts}};
    if (!s.mode.empty()) {
        j["mode"] = s.mode;
        j["mode_until"] = s.mode_until ? json(*s.mode_until) : json(nullptr);
    }
    return j.dump();
}

std::string encode_reply(const Reply& r, const Origin& origin) {
    json j = {{"v", kContractVersion},
              {"id", r.id ? json(*r.id) : json(nullptr)},
              {"site", origin.site},
              {"gateway", origin.gateway},
              {"ts", r.ts},
              {"ok", r.ok}};
    if (r.ok)
        j["result"] = r.result.is_object() ? r.result : json::object();
    else
        j["error"] = r.error.empty() ? std::string("refused") : r.error;
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

constexpr const char* kEvidencePrefix = "{\"evidence\":";

}  // namespace

std::string encode_evidence(const std::string& event_id, const std::string& content_type,
                            const std::vector<uint8_t>& bytes, const Origin& origin, int64_t ts) {
    nlohmann::ordered_json j;
    j["evidence"] = event_id;
    j["v"] = kContractVersion;
    j["site"] = origin.site;
    j["gateway"] = origin.gateway;
    j["ts"] = ts;
    j["content_type"] = content_type;
    j["encoding"] = "base64";
    j["size"] = bytes.size();
    j["data"] = base64_encode(bytes);
    return j.dump();
}

std::string evidence_event_id(const std::string& payload) {
    if (payload.rfind(kEvidencePrefix, 0) != 0) return {};
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j["evidence"].is_string()) return {};
    return j["evidence"].get<std::string>();
}

}  // namespace gw::contract
