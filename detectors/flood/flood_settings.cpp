#include "flood_settings.hpp"

#include <cmath>

namespace gw::detectors {

namespace {
const double kAbsent = std::nan("");

void check_ascending(Params& p, const char* key, const std::vector<double>& v) {
    for (size_t i = 1; i < v.size(); ++i)
        if (v[i] <= v[i - 1]) p.problem(key, "levels must be in ascending order");
}

// A band is left once the value is the margin below its level: a margin of
// the lowest level or more is never left by a dry road (0 cm) or no rain
// (0 mm/h), and the incident never clears.
void check_margin(Params& p, const char* key, double margin, const char* levels_key,
                  const std::vector<double>& levels) {
    if (levels.empty() || margin < levels.front()) return;
    p.problem(key, "must be less than the lowest of " + std::string(levels_key) + " (" +
                       config_number(levels.front()) +
                       "): the incident clears only below that level minus the margin, "
                       "which a reading of 0 never is");
}
}  // namespace

FloodSettings FloodSettings::read(Params& p) {
    FloodSettings s;
    s.depth_levels_cm = p.numbers("depth_levels_cm", s.depth_levels_cm, 0, 1000);
    check_ascending(p, "depth_levels_cm", s.depth_levels_cm);
    s.clear_margin_cm = p.number("clear_margin_cm", s.clear_margin_cm, 0, 100);
    s.clear_hold_s = p.number("clear_hold_s", s.clear_hold_s, 0, 86400);
    s.raise_hold_s = p.number("raise_hold_s", s.raise_hold_s, 0, 3600);
    s.rise_window_s = p.number("rise_window_s", s.rise_window_s, 30, 86400);
    s.rise_warn_cm_per_10min =
        p.number("rise_warn_cm_per_10min", s.rise_warn_cm_per_10min, 0.1, 1000);
    // Whole minutes: the window is counted in minute buckets, and 7.5 read
    // 7 buckets' tips as 7.5 minutes' rain (6.7 % low).
    s.rain_window_min = static_cast<double>(
        p.integer("rain_window_min", static_cast<long>(s.rain_window_min), 5, 1440));
    s.rain_levels_mm_h = p.numbers("rain_levels_mm_h", s.rain_levels_mm_h, 0, 1000);
    check_ascending(p, "rain_levels_mm_h", s.rain_levels_mm_h);
    s.mm_per_tip = p.number("mm_per_tip", s.mm_per_tip, 0.01, 10);
    s.rain_clear_margin_mm_h = p.number("rain_clear_margin_mm_h", s.rain_clear_margin_mm_h, 0, 100);
    s.rain_counter_max = p.number("rain_counter_max", s.rain_counter_max, 0, 4294967295.0);
    check_margin(p, "clear_margin_cm", s.clear_margin_cm, "depth_levels_cm", s.depth_levels_cm);
    check_margin(p, "rain_clear_margin_mm_h", s.rain_clear_margin_mm_h, "rain_levels_mm_h",
                 s.rain_levels_mm_h);
    // The gauge's range moved to its point (min/max), where every input's is.
    for (const char* moved : {"sensor_min_cm", "sensor_max_cm"})
        if (!std::isnan(p.number(moved, kAbsent, -1e300, 1e300)))
            p.problem(moved, "set min/max on the depth point instead ([[points]])");
    s.stuck_s = p.number("stuck_s", s.stuck_s, 0, 30 * 86400);
    s.silent_s = p.number("silent_s", s.silent_s, 1, kMaxSilentS);
    return s;
}

double FloodSettings::seen_again_within_s(const std::string& type) const {
    if (type == "water_depth" || type == "sensor_out_of_range") return raise_hold_s;
    if (type == "water_rising") return rise_window_s + raise_hold_s;  // the fit starts empty
    if (type == "rain_intensity") return rain_window_min * 60;        // tips count from 0
    if (type == "sensor_silent") return silent_s;
    if (type == "sensor_stuck") return stuck_s;
    return 0;
}

InputRange FloodSettings::input_range(const std::string& role) const {
    // Road-waterlogging gauges (ultrasonic, radar, pressure) read a few
    // metres at most; a little below 0 is noise of an "empty height" gauge
    // at a dry road (common practice, not a standard).
    if (role == "depth") return {-5.0, 500.0};
    // A counter register counts 0..its maximum before it wraps; one that
    // never wraps is at most a 32-bit register.
    if (role == "rain_counter")
        return {0.0, rain_counter_max > 0 ? rain_counter_max : 4294967295.0};
    return {};
}

}  // namespace gw::detectors
