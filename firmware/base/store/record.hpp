#pragma once
// What the store holds: rows in three lanes, each row with its route.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw {

// Delivery order is the enum order: every unsent alarm event goes before any
// evidence, and evidence before any telemetry.
enum class Lane { alarm = 0, evidence = 1, telemetry = 2 };
constexpr int kLanes = 3;
constexpr Lane kAllLanes[kLanes] = {Lane::alarm, Lane::evidence, Lane::telemetry};
// The lane's name, which is also its table.
const char* to_string(Lane lane);
std::optional<Lane> lane_from_string(std::string_view name);
inline int index_of(Lane lane) {
    return static_cast<int>(lane);
}

struct Record {
    Lane lane = Lane::alarm;
    int64_t seq = 0;
    int64_t t_ms = 0;
    // Where it goes, relative to {prefix}/{site}/{gateway}/ (contract/routes.hpp):
    // the uplink publishes a row there without looking into its payload.
    std::string topic;
    std::string payload;
};

}  // namespace gw
