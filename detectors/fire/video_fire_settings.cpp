#include "video_fire_settings.hpp"

#include <string>

namespace gw::detectors {

VideoFireSettings VideoFireSettings::read(Params& p) {
    VideoFireSettings s;
    s.persist_s = p.number("persist_s", s.persist_s, 0.1, 60);
    s.persist_frac = p.number("persist_frac", s.persist_frac, 0.1, 1);
    s.min_area_frac = p.number("min_area_frac", s.min_area_frac, 0, 0.5);
    s.clear_hold_s = p.number("clear_hold_s", s.clear_hold_s, 0, 3600);
    s.process_width = p.number("process_width", s.process_width, 80, 1920);
    s.red_min = p.number("red_min", s.red_min, 0, 255);
    s.sat_min = p.number("sat_min", s.sat_min, 0, 255);
    s.cbcr_min = p.number("cbcr_min", s.cbcr_min, 0, 255);
    s.motion_min = p.number("motion_min", s.motion_min, 1, 255);
    s.flicker_s = p.number("flicker_s", s.flicker_s, 0.2, 10);
    s.flicker_min = p.number("flicker_min", s.flicker_min, 0, 1);
    s.flicker_in_place = p.number("flicker_in_place", s.flicker_in_place, 0, 10);
    s.active_support = p.number("active_support", s.active_support, 0, 1);
    s.repeat_s = p.number("repeat_s", s.repeat_s, 0, 5);
    s.repeat_max = p.number("repeat_max", s.repeat_max, 0, 1);
    s.min_fps = p.number("min_fps", s.min_fps, 1, 60);
    s.ignore = p.numbers("ignore", {}, 0, 100000);
    if (s.ignore.size() % 4 != 0)
        p.problem("ignore", "needs rectangles as x, y, width, height (a multiple of 4 numbers)");
    for (size_t i = 0; i + 3 < s.ignore.size(); i += 4)
        if (s.ignore[i + 2] < 1 || s.ignore[i + 3] < 1)
            p.problem("ignore", "rectangle " + std::to_string(i / 4 + 1) +
                                    " needs a width and a height of at least 1 px");
    s.score_min = p.number("score_min", s.score_min, 0, 1);
    s.growth_critical = p.number("growth_critical", s.growth_critical, 1, 100);
    s.evidence_max_kb = p.number("evidence_max_kb", s.evidence_max_kb, 8, 4096);
    return s;
}

}  // namespace gw::detectors
