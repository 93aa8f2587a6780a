// Builds sensor detectors from validated config: the one place that maps a
// kind name to its class, used by the daemon and by `gatewayctl replay`.
#include "detector.hpp"
#include "elevator/elevator_detector.hpp"
#include "fire/fire_detector.hpp"
#include "flood/flood_detector.hpp"
#include "json_params.hpp"
#include "registry.hpp"

namespace gw::detectors {

namespace {

template <typename Settings>
Result<Settings> read_settings(const DetectorConfig& config) {
    JsonParams params(config.params);
    Settings s = Settings::read(params);
    if (!params.problems().empty())
        return fail("detector " + config.id + ": params." + params.problems().front());
    return s;
}

Status check_roles(const DetectorConfig& config) {
    for (const auto& kind : kinds()) {
        if (kind.name != config.kind) continue;
        for (const auto& role : kind.required_roles)
            if (!config.inputs.count(role))
                return fail("detector " + config.id + ": required input " + role + " is missing");
        for (const auto& [role, point] : config.inputs) {
            bool known = false;
            for (const auto& r : kind.required_roles) known = known || r == role;
            for (const auto& r : kind.optional_roles) known = known || r == role;
            if (!known) return fail("detector " + config.id + ": unknown input role " + role);
        }
    }
    if (config.inputs.empty()) return fail("detector " + config.id + ": no inputs are mapped");
    return Status::success();
}

template <typename D, typename Settings>
Result<std::unique_ptr<Detector>> build(const DetectorConfig& config, EventIdSource& ids) {
    auto settings = read_settings<Settings>(config);
    if (!settings) return fail(settings.error());
    std::unique_ptr<Detector> d = std::make_unique<D>(config, std::move(*settings), ids);
    return d;
}

}  // namespace

bool is_sensor_kind(const std::string& kind) {
    return kind == "flood" || kind == "fire" || kind == "elevator";
}

Result<std::unique_ptr<Detector>> make_sensor_detector(const DetectorConfig& config,
                                                       EventIdSource& ids) {
    if (!is_sensor_kind(config.kind))
        return fail("detector " + config.id + ": kind " + config.kind +
                    " is not a sensor detector");
    if (auto roles = check_roles(config); !roles) return fail(roles.error());
    if (config.kind == "flood") return build<FloodDetector, FloodSettings>(config, ids);
    if (config.kind == "fire") return build<FireDetector, FireSettings>(config, ids);
    return build<ElevatorDetector, ElevatorSettings>(config, ids);
}

}  // namespace gw::detectors
