#pragma once
// Fire (sensor) settings. Defaults: EN 54-5 heat classes, UL 2034 CO windows,
// GB 50116-2013 residual current 300-500 mA (see the domain reference).
#include <string>

#include "core/module_spec.hpp"
#include "core/params.hpp"

namespace gw::detectors {

struct FireSettings {
    std::string heat_class = "A2";     // EN 54-5: A1 A2 B C (sets the fixed temperature)
    double fixed_temp_c = 0;           // 0: from heat_class
    double ror_c_per_min = 8.3;        // rate-of-rise (15 F/min)
    double ror_window_s = 60;
    double residual_ma = 300;          // 300..500 per GB 50116
    double cable_temp_c = 70;
    double hold_s = 5;                 // a criterion must persist before raising
    double clear_hold_s = 60;
    double silent_s = 300;

    static FireSettings read(Params& p);
    double fixed_temperature() const;
};

DetectorKind fire_kind();

}  // namespace gw::detectors
