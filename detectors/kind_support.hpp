#pragma once
// Building blocks of a kind's description (`<name>_kind.cpp`): its params
// reader and its factory, from the settings struct and the detector class.
#include <memory>
#include <string>
#include <vector>

#include "config/detector_kind.hpp"
#include "detector.hpp"

namespace gw::detectors {

// A sensor kind's event types: its own, and the input faults every sensor
// detector reports (input_health.hpp).
inline std::vector<std::string> with_sensor_faults(std::vector<std::string> types) {
    for (const char* fault : {"sensor_silent", "sensor_out_of_range", "sensor_stuck"})
        types.push_back(fault);
    return types;
}

// The kind's reader: Settings::read(Params&) behind DetectorKind::Reader.
template <typename Settings>
std::shared_ptr<const DetectorSettings> read_settings(Params& params) {
    return std::make_shared<const Settings>(Settings::read(params));
}

// The typed settings a factory builds from, or why there are none.
template <typename Settings>
Result<const Settings*> settings_for(const DetectorConfig& config) {
    if (const auto* s = config.settings_as<Settings>()) return s;
    return fail("detector " + config.id + ": no " + config.kind +
                " settings (its params were not read)");
}

// The factory of a sensor kind whose detector is D(config, settings, ids).
template <typename D, typename Settings>
Result<std::unique_ptr<Detector>> make_sensor(const DetectorConfig& config, EventIdSource& ids) {
    auto settings = settings_for<Settings>(config);
    if (!settings) return fail(settings.error());
    return std::unique_ptr<Detector>(std::make_unique<D>(config, **settings, ids));
}

}  // namespace gw::detectors
