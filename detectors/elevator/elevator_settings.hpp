#pragma once
// Elevator settings. Timings tuned in the field (domain reference):
// stop outside door zone >= 45 s, door faults ~30 s, PIR debounce ~10 s.
#include <string>

#include "config/detector_config.hpp"
#include "core/params.hpp"

namespace gw::detectors {

struct ElevatorSettings final : DetectorSettings {
    double entrapment_s = 60;
    double outside_zone_s = 45;
    double door_fault_s = 30;
    double pir_debounce_s = 10;
    double rated_speed_m_s = 1.0;
    double overspeed_ratio = 1.15;
    double min_floor = 1;
    double max_floor = 10;
    double door_cycles = 5;           // door open/close cycles ...
    double door_cycle_window_s = 60;  // ... within this window
    double door_close_s = 30;         // doors commanded closed but still open
    double door_open_max_s = 180;     // without a close command input: doors open this long
    double clear_hold_s = 10;         // a fault must be gone this long before it clears
    double silent_s = 60;             // no good sample of an input this long: sensor silent

    static ElevatorSettings read(Params& p);
    // 0/1 signals 0..1, direction -1..1, floor min_floor-2..max_floor+2,
    // speed 0..max(25 m/s, 2 x rated) (sources: docs/detectors.md).
    InputRange input_range(const std::string& role) const override;
    double input_silent_after_s(const std::string&) const override { return silent_s; }
    double seen_again_within_s(const std::string& type) const override;
    std::string input_unit(const std::string& role) const override {
        return role == "speed" ? "m/s" : "";
    }
    std::vector<Threshold> input_thresholds(const std::string& role) const override {
        if (role != "speed") return {};
        return {{"rated_speed_m_s x overspeed_ratio", rated_speed_m_s * overspeed_ratio}};
    }
};

}  // namespace gw::detectors
