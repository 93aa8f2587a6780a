#pragma once
// Flood (waterlogging) settings. Defaults from ../shared domain reference:
// Shanghai road-depth practice (15/30/50 cm) and rainstorm signals
// (35/50/80 mm in 1 h).
#include <string>
#include <vector>

#include "config/detector_config.hpp"
#include "core/params.hpp"

namespace gw::detectors {

struct FloodSettings final : DetectorSettings {
    std::vector<double> depth_levels_cm{15, 30, 50};  // warning, alarm, critical
    double clear_margin_cm = 3;                       // depth must fall this far below a level ...
    double clear_hold_s = 120;                        // ... for this long before the level clears
    double raise_hold_s = 10;    // depth above a level this long before raising
    double rise_window_s = 600;  // rate of rise over this window
    double rise_warn_cm_per_10min = 5;
    double rain_window_min = 60;
    std::vector<double> rain_levels_mm_h{35, 50, 80};  // blue, yellow, orange
    double mm_per_tip = 0.5;
    double rain_clear_margin_mm_h = 5;  // hysteresis of the rain bands
    double rain_counter_max = 65535;    // counter wraps to 0 after this (0: never wraps)
    // Identical wet readings (at or above the first level) this long: stuck
    // sensor (0: off). A dry road legitimately reads a constant 0.
    double stuck_s = 3600;
    double silent_s = 300;  // no good sample this long: sensor silent

    static FloodSettings read(Params& p);
    // depth: -5..500 cm; rain_counter: 0..rain_counter_max (docs/detectors.md).
    InputRange input_range(const std::string& role) const override;
    double input_silent_after_s(const std::string&) const override { return silent_s; }
    double seen_again_within_s(const std::string& type) const override;
    RateWindow input_rate_window(const std::string& role) const override {
        if (role != "depth") return {};
        return {rise_window_s, "rise_window_s", 86400};
    }
    std::string input_unit(const std::string& role) const override {
        return role == "depth" ? "cm" : "";
    }
    std::vector<Threshold> input_thresholds(const std::string& role) const override {
        std::vector<Threshold> out;
        if (role == "depth")
            for (double level : depth_levels_cm) out.push_back({"depth_levels_cm", level});
        return out;
    }
};

}  // namespace gw::detectors
