// The elevator kind: door and motion signals, optionally the car's position,
// direction, speed, presence and maintenance state.
#include "detectors/kind_support.hpp"
#include "elevator_detector.hpp"

namespace gw::detectors {

DetectorKind elevator_kind() {
    DetectorKind k;
    k.name = "elevator";
    k.rank = 30;
    k.required_roles = {"door_open", "moving"};
    k.optional_roles = {"direction", "floor",       "in_zone",       "person",
                        "speed",     "maintenance", "door_cmd_close"};
    k.read = read_settings<ElevatorSettings>;
    k.make_sensor = make_sensor<ElevatorDetector, ElevatorSettings>;
    k.event_types = with_sensor_faults(
        {"entrapment_between_floors", "entrapment_at_landing", "stopped_outside_zone",
         "door_open_while_running", "moving_with_doors_open", "overtravel_top", "overtravel_bottom",
         "overspeed", "door_cycling", "door_fail_to_close"});
    return k;
}

}  // namespace gw::detectors
