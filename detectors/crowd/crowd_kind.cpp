// The crowd kind (vision): people count and density on one camera's frames.
#include "crowd/crowd_detector.hpp"
#include "detectors/kind_support.hpp"

namespace gw::detectors {

namespace {
Result<std::unique_ptr<FrameDetector>> make_crowd(const DetectorConfig& config,
                                                  EventIdSource& ids) {
    auto s = settings_for<CrowdSettings>(config);
    if (!s) return fail(s.error());
    // The ground geometry can be consistent key by key and still degenerate.
    auto region = GroundRegion::make((*s)->roi, (*s)->area_m2, (*s)->ground_px, (*s)->ground_m);
    if (!region) return fail("detector " + config.id + ": " + region.error());
    return std::unique_ptr<FrameDetector>(
        std::make_unique<CrowdDetector>(config.id, **s, std::move(*region), ids));
}
}  // namespace

DetectorKind crowd_kind() {
    DetectorKind k;
    k.name = "crowd";
    k.rank = 40;
    k.needs_camera = true;
    k.read = read_settings<CrowdSettings>;
    k.make_frame = make_crowd;
    k.event_types = {"crowd_density", "crowd_rise"};
    return k;
}

}  // namespace gw::detectors
