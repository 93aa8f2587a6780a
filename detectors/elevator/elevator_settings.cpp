#include "elevator_settings.hpp"

#include <algorithm>

namespace gw::detectors {

ElevatorSettings ElevatorSettings::read(Params& p) {
    ElevatorSettings s;
    s.entrapment_s = p.number("entrapment_s", s.entrapment_s, 5, 3600);
    s.outside_zone_s = p.number("outside_zone_s", s.outside_zone_s, 5, 3600);
    s.door_fault_s = p.number("door_fault_s", s.door_fault_s, 1, 3600);
    s.pir_debounce_s = p.number("pir_debounce_s", s.pir_debounce_s, 0, 600);
    s.rated_speed_m_s = p.number("rated_speed_m_s", s.rated_speed_m_s, 0.1, 20);
    s.overspeed_ratio = p.number("overspeed_ratio", s.overspeed_ratio, 1.0, 2.0);
    s.min_floor = p.number("min_floor", s.min_floor, -20, 300);
    s.max_floor = p.number("max_floor", s.max_floor, -20, 300);
    if (s.max_floor <= s.min_floor) p.problem("max_floor", "must be greater than min_floor");
    s.door_cycles = p.number("door_cycles", s.door_cycles, 2, 100);
    s.door_cycle_window_s = p.number("door_cycle_window_s", s.door_cycle_window_s, 5, 3600);
    s.door_close_s = p.number("door_close_s", s.door_close_s, 1, 3600);
    s.door_open_max_s = p.number("door_open_max_s", s.door_open_max_s, 5, 86400);
    s.clear_hold_s = p.number("clear_hold_s", s.clear_hold_s, 0, 3600);
    s.silent_s = p.number("silent_s", s.silent_s, 1, kMaxSilentS);
    return s;
}

double ElevatorSettings::seen_again_within_s(const std::string& type) const {
    if (type == "entrapment_between_floors" || type == "entrapment_at_landing") return entrapment_s;
    if (type == "stopped_outside_zone") return outside_zone_s;
    if (type == "door_open_while_running" || type == "moving_with_doors_open") return door_fault_s;
    if (type == "door_fail_to_close") return std::max(door_close_s, door_open_max_s);
    if (type == "door_cycling") return door_cycle_window_s;
    if (type == "sensor_silent") return silent_s;
    if (type == "sensor_out_of_range") return clear_hold_s;
    return 0;
}

InputRange ElevatorSettings::input_range(const std::string& role) const {
    if (role == "direction") return {-1.0, 1.0};  // down, stopped, up
    // The pit and the headroom are each less than a storey: a car is never
    // more than a floor past a terminal landing. One more floor of slack for
    // controllers that number an overtravel position.
    if (role == "floor") return {min_floor - 2, max_floor + 2};
    // Not a multiple of the rated speed alone: a car in free fall gains
    // ~5 m/s between two polls 0.5 s apart, and that reading must still
    // count as overspeed. No lift runs faster than ~21 m/s (Guangzhou CTF).
    // Signed by default: a sensor that reports a descent as negative must not
    // read out of range (and overspeed unknown) in the free fall that matters.
    if (role == "speed") {
        const double most = std::max(25.0, 2 * rated_speed_m_s);
        return {-most, most};
    }
    for (const char* signal :
         {"door_open", "moving", "in_zone", "person", "maintenance", "door_cmd_close"})
        if (role == signal) return {0.0, 1.0};  // a contact or a Modbus bit
    return {};
}

}  // namespace gw::detectors
