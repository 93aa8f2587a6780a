#include "fire_settings.hpp"

#include <algorithm>

namespace gw::detectors {

namespace {

// Where a circuit or a room is when nothing is wrong: an incident whose
// clear point (threshold - margin) is at or below it never clears.
// Residual current: normal leakage is 100-200 mA (GB 50116-2013 9.2.3).
// Temperature: a room's 25 C (common practice for indoor design).
constexpr double kNormalLeakageMa = 200;
constexpr double kRoomC = 25;

void check_clear_point(Params& p, const char* margin_key, double margin, const char* what,
                       double threshold, double normal, const char* unit) {
    if (threshold - margin > normal) return;
    p.problem(margin_key, "leaves " + std::string(what) + " " + config_number(threshold) + " " +
                              unit + " to clear only at " + config_number(threshold - margin) +
                              " " + unit + " or below, which normal conditions (up to " +
                              config_number(normal) + " " + unit +
                              ") are not: the incident would never clear");
}

}  // namespace

FireSettings FireSettings::read(Params& p) {
    FireSettings s;
    s.heat_class = p.text("heat_class", s.heat_class, {"A1", "A2", "B", "C"});
    s.fixed_temp_c = p.number("fixed_temp_c", s.fixed_temp_c, 0, 200);
    s.rate_of_rise = p.flag("rate_of_rise", s.rate_of_rise);
    s.ror_c_per_min = p.number("ror_c_per_min", s.ror_c_per_min, 1, 60);
    s.ror_window_s = p.number("ror_window_s", s.ror_window_s, 10, 600);
    s.temp_clear_margin_c = p.number("temp_clear_margin_c", s.temp_clear_margin_c, 0, 50);
    s.co_tau_min = p.number("co_tau_min", s.co_tau_min, 1, 1440);
    s.co_alarm_ppm = p.number("co_alarm_ppm", s.co_alarm_ppm, 31, 1000);
    s.residual_ma = p.number("residual_ma", s.residual_ma, 300, 500);
    s.residual_clear_margin_ma =
        p.number("residual_clear_margin_ma", s.residual_clear_margin_ma, 0, 300);
    s.cable_temp_c = p.number("cable_temp_c", s.cable_temp_c, 30, 200);
    s.hold_s = p.number("hold_s", s.hold_s, 0, 600);
    s.clear_hold_s = p.number("clear_hold_s", s.clear_hold_s, 0, 3600);
    s.silent_s = p.number("silent_s", s.silent_s, 1, kMaxSilentS);
    check_clear_point(p, "residual_clear_margin_ma", s.residual_clear_margin_ma,
                      "residual current alarm at", s.residual_ma, kNormalLeakageMa, "mA");
    check_clear_point(p, "temp_clear_margin_c", s.temp_clear_margin_c, "cable temperature alarm at",
                      s.cable_temp_c, kRoomC, "C");
    check_clear_point(p, "temp_clear_margin_c", s.temp_clear_margin_c, "fixed heat alarm at",
                      s.fixed_temperature(), kRoomC, "C");
    return s;
}

double FireSettings::fixed_temperature() const {
    if (fixed_temp_c > 0) return fixed_temp_c;
    // Upper end of EN 54-5 static response ranges for each class.
    if (heat_class == "A1") return 65;
    if (heat_class == "B") return 85;
    if (heat_class == "C") return 100;
    return 70;
}

double FireSettings::seen_again_within_s(const std::string& type) const {
    if (type == "heat_rate_of_rise") return ror_window_s + hold_s;
    // The dose starts from 0: a level 1.6 x co_alarm_ppm reaches the alarm
    // within one time constant (a weaker one takes longer; it is closed).
    if (type == "co") return co_tau_min * 60;
    if (type == "sensor_silent") return silent_s;
    if (type == "sensor_stuck") return 0;  // not judged on fire inputs
    // Confirmed by two criteria: as late as the slowest of them.
    if (type == "fire_confirmed")
        return std::max(
            {hold_s, seen_again_within_s("heat_rate_of_rise"), seen_again_within_s("co")});
    return hold_s;
}

InputRange FireSettings::input_range(const std::string& role) const {
    // Above the highest EN 54-5 class (G: static response up to 160 C) and
    // the highest settable cable_temp_c; -40 C is the usual lower limit of
    // industrial NTC/PT100 transmitters (common practice).
    if (role == "temperature" || role == "cable_temp") return {-40.0, 200.0};
    if (role == "smoke") return {0.0, 1.0};  // a contact or a Modbus bit
    // Fire and building CO cells measure 0-500 or 0-1000 ppm (overgas limit
    // of e.g. Alphasense CO-B4: 2000 ppm); 10000 ppm (1 %) leaves room for
    // industrial ranges. Zero drift of up to 20 ppm either way is specified
    // for Figaro-based CO transmitters: a reading a little below 0 is a
    // working cell (the dose counts it as 0).
    if (role == "co_ppm") return {-20.0, 10000.0};
    // Residual-current electrical fire detectors are settable 20-1000 mA
    // (vendor data); 2000 mA is twice the highest setting (common practice).
    // A general-purpose RCM reads amperes: set the point's max.
    if (role == "residual_ma") return {0.0, 2000.0};
    return {};
}

}  // namespace gw::detectors
