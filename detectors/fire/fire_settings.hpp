#pragma once
// Fire (sensor) settings. Defaults: EN 54-5 heat classes, UL 2034 CO windows,
// GB 50116-2013 residual current 300-500 mA (see the domain reference).
#include <string>

#include "config/detector_config.hpp"
#include "core/params.hpp"

namespace gw::detectors {

struct FireSettings final : DetectorSettings {
    std::string heat_class = "A2";  // EN 54-5: A1 A2 B C (sets the fixed temperature)
    double fixed_temp_c = 0;        // 0: from heat_class
    bool rate_of_rise = true;       // EN 54-5 suffix R: also alarm on rate of rise
    double ror_c_per_min = 8.3;     // rate-of-rise (15 F/min)
    double ror_window_s = 60;
    double temp_clear_margin_c = 3;  // hysteresis of the fixed temperatures
    // CO dose (UL 2034): a first-order "COHb-like" dose that approaches the
    // concentration with time constant co_tau_min; alarm when it reaches
    // co_alarm_ppm. 80 min / 50 ppm gives 400 ppm -> 10.7 min, 150 -> 32 min,
    // 70 -> 100 min, and never at 30 ppm.
    double co_tau_min = 80;
    double co_alarm_ppm = 50;
    double residual_ma = 300;  // 300..500 per GB 50116
    double residual_clear_margin_ma = 50;
    double cable_temp_c = 70;
    double hold_s = 5;  // a criterion must persist before raising
    double clear_hold_s = 60;
    double silent_s = 300;

    static FireSettings read(Params& p);
    double fixed_temperature() const;
    // temperature, cable_temp -40..200 C; smoke 0..1; co_ppm -20..10000;
    // residual_ma 0..2000 (sources: docs/detectors.md).
    InputRange input_range(const std::string& role) const override;
    double input_silent_after_s(const std::string&) const override { return silent_s; }
    double seen_again_within_s(const std::string& type) const override;
    RateWindow input_rate_window(const std::string& role) const override {
        if (role != "temperature" || !rate_of_rise) return {};
        return {ror_window_s, "ror_window_s", 600};
    }
    std::string input_unit(const std::string& role) const override {
        if (role == "temperature" || role == "cable_temp") return "C";
        if (role == "co_ppm") return "ppm";
        if (role == "residual_ma") return "mA";
        return "";
    }
    std::vector<Threshold> input_thresholds(const std::string& role) const override {
        if (role == "temperature")
            return {{fixed_temp_c > 0 ? "fixed_temp_c" : "heat_class", fixed_temperature()}};
        if (role == "cable_temp") return {{"cable_temp_c", cable_temp_c}};
        // The dose approaches the concentration: below co_alarm_ppm it never gets there.
        if (role == "co_ppm") return {{"co_alarm_ppm", co_alarm_ppm}};
        if (role == "residual_ma") return {{"residual_ma", residual_ma}};
        return {};
    }
};

}  // namespace gw::detectors
