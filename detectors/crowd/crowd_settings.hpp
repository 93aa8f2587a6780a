#pragma once
// Crowd density settings. Defaults: notice 1, warning 2, alarm 4, critical 6
// persons/m^2 (domain reference: Bund 2014 at 6-7 persons/m^2).
#include <vector>

#include "core/module_spec.hpp"
#include "core/params.hpp"

namespace gw::detectors {

struct CrowdSettings {
    std::vector<double> density_levels{1, 2, 4, 6};  // notice, warning, alarm, critical
    double area_m2 = 0;          // ground area of the region; 0: count only
    std::vector<double> roi;     // polygon x0,y0,x1,y1,... in pixels; empty: whole frame
    double occupancy_limit = 0;  // people; 0: off
    double rise_per_min = 1.0;   // persons/m^2 per minute: fast-rise warning
    double hold_s = 3;
    double clear_hold_s = 30;

    static CrowdSettings read(Params& p);
};

DetectorKind crowd_kind();

}  // namespace gw::detectors
