#pragma once
// Everything about one detector kind, in one description: the input roles it
// takes, how it reads its params, and how it is built. Each kind describes
// itself in its own folder under detectors/ (one `<name>_kind.cpp`); the
// config loader only walks the list it is given (it reads params, it never
// builds a detector), and the detector factories build from the same entry.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/detector_config.hpp"
#include "core/params.hpp"
#include "core/result.hpp"

namespace gw {

class EventIdSource;
// Defined above base, in detectors/. Named here only so that a kind's
// factory is part of its one description; nothing in base builds detectors.
namespace detectors {
class Detector;
class FrameDetector;
}  // namespace detectors

// One problem of a detector's `inputs` (role -> point) against its kind,
// worded once for the config loader and the factories.
struct InputProblem {
    std::string key;      // "inputs.<role>", or "inputs" for the map as a whole
    std::string message;  // e.g. "required input is missing"
};

// "depth, rain_counter or both" / "a, b or c": the roles of which a detector
// needs at least one, for messages.
std::string one_of_text(const std::vector<std::string>& roles);

struct DetectorKind {
    using Reader = std::shared_ptr<const DetectorSettings> (*)(Params& params);
    using SensorFactory = Result<std::unique_ptr<detectors::Detector>> (*)(
        const DetectorConfig& config, EventIdSource& ids);
    using FrameFactory = Result<std::unique_ptr<detectors::FrameDetector>> (*)(
        const DetectorConfig& config, EventIdSource& ids);

    std::string name;  // "flood", "fire", ...
    // Where the kind appears in lists and messages ("kind: must be one of
    // flood, fire, ..."): ascending. A new kind takes the next free number.
    int rank = 0;
    std::vector<std::string> required_roles;  // inputs that must map to points
    std::vector<std::string> optional_roles;
    // At least one of these (optional) roles must be mapped: a flood
    // detector works from a depth gauge, a rain gauge or both.
    std::vector<std::string> one_of_roles;
    bool needs_camera = false;  // a vision kind: fed a camera's frames, takes no inputs
    // Every `type` its events can have (docs/detectors.md, docs/vision.md):
    // an [[emergency.auto]] rule naming another could never fire.
    std::vector<std::string> event_types;
    // Reads (and so validates) every parameter through `params`; returns the
    // kind's typed settings (defaults filled in).
    Reader read = nullptr;
    // Builds the detector from a DetectorConfig whose settings `read` made.
    // A sensor kind sets make_sensor, a vision kind make_frame.
    SensorFactory make_sensor = nullptr;
    FrameFactory make_frame = nullptr;

    // The role checks, for the loader and the factories alike: required roles
    // in declaration order, then unknown roles in name order, then `none_of`
    // or `none`.
    std::vector<InputProblem> check_inputs(const std::map<std::string, std::string>& inputs) const;
};

}  // namespace gw
