#pragma once
// The MQTT contract with the district center: topic names and payloads.
// This is the ONE encoder; docs/contract.md and docs/schema/*.json describe
// exactly what it produces (tests/contract checks encoder output against
// those schemas). Bump kContractVersion when a field changes meaning.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "routes.hpp"

namespace gw::contract {

constexpr int kContractVersion = 1;

struct Topics {
    std::string event;      // {prefix}/{site}/{gateway}/event       QoS 1
    std::string telemetry;  // {prefix}/{site}/{gateway}/telemetry   QoS 1
    std::string status;     // {prefix}/{site}/{gateway}/status      QoS 1, retained
    std::string base;
    // The topic of a route (routes.hpp): what a stored row carries.
    std::string of(const std::string& route) const { return base + "/" + route; }
    // Evidence images of vision events (one message per raise).
    std::string evidence(const std::string& event_id) const { return of(evidence_route(event_id)); }
};

Topics make_topics(const std::string& prefix, const std::string& site, const std::string& gateway);

using gw::Origin;

// `origin` is the gateway's own; an event that names its own (Event::origin) keeps it.
std::string encode_event(const Event& e, const Origin& origin, bool clock_synced);
// An event's own fields as encode_event names them, without the envelope (v,
// site, gateway, clock). gatewayctl's `events` and `replay --json` print this
// too, with the time under "t_ms" as in the local tools' traces.
nlohmann::json event_json(const Event& e, const char* time_key = "ts");
// One message for a batch of samples.
std::string encode_telemetry(const std::vector<Sample>& samples, const Origin& origin,
                             bool clock_synced);

// An evidence image for the event `event_id`, base64 in JSON so the center
// gets a self-describing message; it is stored with the route
// evidence_route(event_id). Starts with {"evidence":.
std::string encode_evidence(const std::string& event_id, const std::string& content_type,
                            const std::vector<uint8_t>& bytes, const Origin& origin, int64_t ts);
// The event id of an encoded evidence payload, or empty if `payload` is not
// evidence. Only for rows stored before routes were (store/schema.hpp).
std::string evidence_event_id(const std::string& payload);

struct GatewayStatus {
    std::string version;
    uint64_t boot = 0;
    std::string config_hash;
    bool online = true;
    int64_t ts = 0;
    // normal | emergency (issue 13); empty: not stated (the Last Will, made
    // at connect time, cannot follow a later change of mode).
    std::string mode = "normal";
    std::optional<int64_t> mode_until =
        std::nullopt;  // UTC ms when emergency ends; none: until changed
};
std::string encode_status(const GatewayStatus& s, const Origin& origin);

// The answer to one command (docs/schema/reply.json), on reply/{name}.
struct Reply {
    std::optional<std::string> id;  // the request's id; none: it had no usable one
    bool ok = false;
    std::string error;                                 // when !ok
    nlohmann::json result = nlohmann::json::object();  // when ok
    int64_t ts = 0;                                    // UTC ms of the reply
};
std::string encode_reply(const Reply& r, const Origin& origin);

}  // namespace gw::contract
