#include "crowd_settings.hpp"

#include "ground_region.hpp"

namespace gw::detectors {

namespace {
void check_points(Params& p, const std::string& key, const std::vector<double>& v, size_t exact) {
    if (!v.empty() && v.size() != exact)
        p.problem(key, "needs " + std::to_string(exact / 2) + " points as x,y pairs");
}
}  // namespace

CrowdSettings CrowdSettings::read(Params& p) {
    CrowdSettings s;
    s.density_levels = p.numbers("density_levels", s.density_levels, 0, 20);
    if (s.density_levels.size() != 4)
        p.problem("density_levels", "needs 4 levels: notice, warning, alarm, critical");
    for (size_t i = 1; i < s.density_levels.size(); ++i)
        if (s.density_levels[i] <= s.density_levels[i - 1])
            p.problem("density_levels", "levels must be in ascending order");
    s.level_margin = p.number("level_margin", s.level_margin, 0, 5);
    s.area_m2 = p.number("area_m2", s.area_m2, 0, 1e6);
    s.roi = p.numbers("roi", {}, 0, 10000);
    if (!s.roi.empty() && (s.roi.size() < 6 || s.roi.size() % 2 != 0))
        p.problem("roi", "a polygon needs at least 3 points as x,y pairs");
    s.ground_px = p.numbers("ground_px", {}, 0, 10000);
    s.ground_m = p.numbers("ground_m", {}, -1e5, 1e5);
    check_points(p, "ground_px", s.ground_px, 8);
    check_points(p, "ground_m", s.ground_m, 8);
    if (s.ground_px.empty() != s.ground_m.empty())
        p.problem("ground_m", "ground_px and ground_m go together");
    if (s.area_m2 > 0 && !s.ground_px.empty())
        p.problem("area_m2", "give either area_m2 or ground_px/ground_m, not both");
    if (auto problem = ground_geometry_problem(s.roi, s.ground_px, s.ground_m))
        p.problem(problem->key, problem->why);
    s.occupancy_limit = p.number("occupancy_limit", s.occupancy_limit, 0, 1e6);
    s.occupancy_warn_frac = p.number("occupancy_warn_frac", s.occupancy_warn_frac, 0.1, 1);
    s.rise_per_min = p.number("rise_per_min", s.rise_per_min, 0.01, 100);
    s.rise_window_s = p.number("rise_window_s", s.rise_window_s, 5, 3600);
    s.smooth_s = p.number("smooth_s", s.smooth_s, 0, 60);
    s.hold_s = p.number("hold_s", s.hold_s, 0, 600);
    s.clear_hold_s = p.number("clear_hold_s", s.clear_hold_s, 0, 3600);
    s.process_width = p.number("process_width", s.process_width, 160, 1920);
    s.learn_s = p.number("learn_s", s.learn_s, 1, 3600);
    s.min_blob_px = p.number("min_blob_px", s.min_blob_px, 1, 1e6);
    s.person_height_px = p.numbers("person_height_px", s.person_height_px, 0, 4000);
    if (s.person_height_px.size() != 2)
        p.problem("person_height_px", "needs 2 values: at the top and at the bottom row");
    else if ((s.person_height_px[0] > 0) != (s.person_height_px[1] > 0))
        p.problem("person_height_px", "give both heights, or 0,0 to learn them");
    s.person_fill = p.number("person_fill", s.person_fill, 0.05, 1);
    s.hog = p.flag("hog", s.hog);
    s.hog_upscale_below_px = p.number("hog_upscale_below_px", s.hog_upscale_below_px, 32, 512);
    s.dense_occupancy = p.number("dense_occupancy", s.dense_occupancy, 0.05, 1);
    s.full_density = p.number("full_density", s.full_density, 0.5, 20);
    s.evidence_max_kb = p.number("evidence_max_kb", s.evidence_max_kb, 8, 4096);
    return s;
}

}  // namespace gw::detectors
