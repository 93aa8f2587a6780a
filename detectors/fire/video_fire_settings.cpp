#include "video_fire_settings.hpp"

namespace gw::detectors {

VideoFireSettings VideoFireSettings::read(Params& p) {
    VideoFireSettings s;
    s.persist_s = p.number("persist_s", s.persist_s, 0.1, 60);
    s.min_area_frac = p.number("min_area_frac", s.min_area_frac, 0, 0.5);
    s.clear_hold_s = p.number("clear_hold_s", s.clear_hold_s, 0, 3600);
    return s;
}

DetectorKind video_fire_kind() {
    return {"video_fire", {}, {}, true, [](Params& p) { VideoFireSettings::read(p); }};
}

}  // namespace gw::detectors
