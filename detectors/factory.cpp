// Builds detectors from validated config through their kind: the one path
// for the daemon, `gatewayctl replay` / `analyze`, gw-eval and the tests.
#include "detector.hpp"
#include "frame_detector.hpp"
#include "kinds.hpp"

namespace gw::detectors {

namespace {

// The kind of `config`, after the role checks its kind declares.
Result<const DetectorKind*> checked_kind(const DetectorConfig& config) {
    const DetectorKind* kind = find_kind(config.kind);
    if (!kind) return fail("detector " + config.id + ": unknown kind " + config.kind);
    auto problems = kind->check_inputs(config.inputs);
    if (!problems.empty())
        return fail("detector " + config.id + ": " + problems[0].key + ": " + problems[0].message);
    return kind;
}

}  // namespace

bool is_sensor_kind(const std::string& kind) {
    const DetectorKind* k = find_kind(kind);
    return k && k->make_sensor;
}

bool is_frame_detector_kind(const std::string& kind) {
    const DetectorKind* k = find_kind(kind);
    return k && k->make_frame;
}

Result<std::unique_ptr<Detector>> make_sensor_detector(const DetectorConfig& config,
                                                       EventIdSource& ids) {
    if (!is_sensor_kind(config.kind))
        return fail("detector " + config.id + ": kind " + config.kind +
                    " is not a sensor detector");
    auto kind = checked_kind(config);
    if (!kind) return fail(kind.error());
    return (*kind)->make_sensor(config, ids);
}

Result<std::unique_ptr<FrameDetector>> make_frame_detector(const DetectorConfig& config,
                                                           EventIdSource& ids) {
    if (!is_frame_detector_kind(config.kind))
        return fail("detector " + config.id + ": kind " + config.kind + " does not watch frames");
    auto kind = checked_kind(config);
    if (!kind) return fail(kind.error());
    return (*kind)->make_frame(config, ids);
}

}  // namespace gw::detectors
