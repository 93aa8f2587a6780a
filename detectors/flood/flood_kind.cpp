// The flood kind: a depth sensor, optionally a rain gauge's tip counter.
#include "detectors/kind_support.hpp"
#include "flood_detector.hpp"

namespace gw::detectors {

DetectorKind flood_kind() {
    DetectorKind k;
    k.name = "flood";
    k.rank = 10;
    k.required_roles = {"depth"};
    k.optional_roles = {"rain_counter"};
    k.read = read_settings<FloodSettings>;
    k.make_sensor = make_sensor<FloodDetector, FloodSettings>;
    return k;
}

}  // namespace gw::detectors
