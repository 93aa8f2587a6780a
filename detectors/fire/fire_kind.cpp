// The fire kind (sensors): any of heat, smoke, CO, residual current and
// cable temperature; at least one.
#include "detectors/kind_support.hpp"
#include "fire_detector.hpp"

namespace gw::detectors {

DetectorKind fire_kind() {
    DetectorKind k;
    k.name = "fire";
    k.rank = 20;
    k.optional_roles = {"temperature", "smoke", "co_ppm", "residual_ma", "cable_temp"};
    k.read = read_settings<FireSettings>;
    k.make_sensor = make_sensor<FireDetector, FireSettings>;
    k.event_types = with_sensor_faults({"heat_fixed", "heat_rate_of_rise", "smoke", "co",
                                        "residual_current", "cable_temperature", "fire_confirmed"});
    return k;
}

}  // namespace gw::detectors
