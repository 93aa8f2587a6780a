#include "video_fire_settings.hpp"

#include <cmath>
#include <string>

namespace gw::detectors {

namespace {

// Flames are judged over the frames of the last persist_s, once those span
// 80 % of it. Frames 1 / min_fps apart span whole periods only: at 1 fps a
// 1.5 s window held frames 1 s apart, never 1.2 s, and nothing was ever
// raised however long the fire burned.
void check_persist_window(Params& p, const VideoFireSettings& s) {
    const double period = 1 / s.min_fps;
    const double covered = std::floor(s.persist_s / period + 1e-9) * period;
    if (covered >= 0.8 * s.persist_s - 1e-9) return;
    p.problem("persist_s", config_number(s.persist_s) + " s at min_fps " +
                               config_number(s.min_fps) + ": frames " + config_number(period) +
                               " s apart span " + config_number(covered) +
                               " s of it, less than the 80 % needed, and flames would never be "
                               "raised; use a persist_s of whole frame periods, or a higher "
                               "min_fps");
}

}  // namespace

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
    check_persist_window(p, s);
    return s;
}

}  // namespace gw::detectors
