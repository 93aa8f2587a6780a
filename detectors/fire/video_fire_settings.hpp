#pragma once
// Video flame detection settings (colour + motion + flicker + growth).
#include "core/module_spec.hpp"
#include "core/params.hpp"

namespace gw::detectors {

struct VideoFireSettings {
    double persist_s = 1.0;      // flame evidence this long before alarm
    double min_area_frac = 0.0005;
    double clear_hold_s = 10;

    static VideoFireSettings read(Params& p);
};

DetectorKind video_fire_kind();

}  // namespace gw::detectors
