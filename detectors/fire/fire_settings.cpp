#include "fire_settings.hpp"

namespace gw::detectors {

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
    s.silent_s = p.number("silent_s", s.silent_s, 1, 86400);
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

}  // namespace gw::detectors
