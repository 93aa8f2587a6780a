#pragma once
// Where a message goes, relative to {prefix}/{site}/{gateway}/. The store
// keeps the route with every row, so the uplink publishes a row without ever
// looking into its payload to learn where it goes.
#include <string>

namespace gw::contract {

inline constexpr const char* kEventRoute = "event";
inline constexpr const char* kTelemetryRoute = "telemetry";
inline constexpr const char* kStatusRoute = "status";
// The image of the vision event `event_id`.
inline std::string evidence_route(const std::string& event_id) {
    return std::string("evidence/") + event_id;
}

// Commands from the center arrive on cmd/{name}; the gateway subscribes to
// kCommandFilter and answers each on reply/{name}.
inline constexpr const char* kCommandFilter = "cmd/+";
inline constexpr const char* kCommandPrefix = "cmd/";
inline std::string reply_route(const std::string& command) {
    return std::string("reply/") + command;
}

}  // namespace gw::contract
