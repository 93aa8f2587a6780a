// The flood kind: a depth gauge, a rain gauge's tip counter, or both (a
// typhoon site often has only a rain gauge).
#include "detectors/kind_support.hpp"
#include "flood_detector.hpp"

namespace gw::detectors {

DetectorKind flood_kind() {
    DetectorKind k;
    k.name = "flood";
    k.rank = 10;
    k.optional_roles = {"depth", "rain_counter"};
    k.one_of_roles = {"depth", "rain_counter"};
    k.event_types = with_sensor_faults({"water_depth", "water_rising", "rain_intensity"});
    k.read = read_settings<FloodSettings>;
    k.make_sensor = make_sensor<FloodDetector, FloodSettings>;
    return k;
}

}  // namespace gw::detectors
