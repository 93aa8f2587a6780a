#include "crowd_settings.hpp"

namespace gw::detectors {

CrowdSettings CrowdSettings::read(Params& p) {
    CrowdSettings s;
    s.density_levels = p.numbers("density_levels", s.density_levels, 0, 20);
    for (size_t i = 1; i < s.density_levels.size(); ++i)
        if (s.density_levels[i] <= s.density_levels[i - 1])
            p.problem("density_levels", "levels must be in ascending order");
    s.area_m2 = p.number("area_m2", s.area_m2, 0, 1e6);
    s.roi = p.numbers("roi", {}, 0, 10000);
    if (!s.roi.empty() && (s.roi.size() < 6 || s.roi.size() % 2 != 0))
        p.problem("roi", "a polygon needs at least 3 points as x,y pairs");
    s.occupancy_limit = p.number("occupancy_limit", s.occupancy_limit, 0, 1e6);
    s.rise_per_min = p.number("rise_per_min", s.rise_per_min, 0.01, 100);
    s.hold_s = p.number("hold_s", s.hold_s, 0, 600);
    s.clear_hold_s = p.number("clear_hold_s", s.clear_hold_s, 0, 3600);
    return s;
}

DetectorKind crowd_kind() {
    return {"crowd", {}, {}, true, [](Params& p) { CrowdSettings::read(p); }};
}

}  // namespace gw::detectors
