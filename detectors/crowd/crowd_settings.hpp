#pragma once
// Crowd density settings. Defaults: notice 1, warning 2, alarm 4, critical 6
// persons/m^2 (domain reference: Bund 2014 at 6-7 persons/m^2).
#include <vector>

#include "config/detector_config.hpp"
#include "core/params.hpp"

namespace gw::detectors {

struct CrowdSettings final : DetectorSettings {
    std::vector<double> density_levels{1, 2, 4, 6};  // notice, warning, alarm, critical
    double level_margin = 0.2;                       // persons/m^2 below a level before it is left
    double area_m2 = 0;                              // ground area of the region; 0: count only
    std::vector<double> roi;  // polygon x0,y0,x1,y1,... in pixels; empty: whole frame
    // Homography instead of area_m2: four image points and their ground positions (m).
    std::vector<double> ground_px;     // x0,y0,...,x3,y3
    std::vector<double> ground_m;      // X0,Y0,...,X3,Y3
    double occupancy_limit = 0;        // people; 0: off
    double occupancy_warn_frac = 0.8;  // warning at this fraction of the limit, alarm at 1
    double rise_per_min = 1.0;         // persons/m^2 per minute: fast-rise warning
    double rise_window_s = 60;
    double smooth_s = 2;  // count/density averaging (per-frame counts are noisy)
    double hold_s = 3;
    double clear_hold_s = 30;
    // Counting.
    double process_width = 384;  // frames are scaled to this width first (px)
    double learn_s = 30;         // background model memory
    double min_blob_px = 60;     // smallest moving blob at full resolution (px^2)
    // Expected person height in full-resolution pixels at the top and bottom
    // row of the image; 0,0: learned from HOG detections and single-person blobs.
    std::vector<double> person_height_px{0, 0};
    double person_fill = 0.22;          // silhouette area / height^2 of one person (until learned)
    bool hog = true;                    // HOG on moving regions (upscaled) to confirm and calibrate
    double hog_upscale_below_px = 128;  // upscale regions whose people are shorter than this
    double dense_occupancy = 0.45;      // above this foreground fraction of the ROI: occupancy mode
    double full_density = 5.0;  // persons/m^2 when the ROI is fully covered (occupancy mode)
    double evidence_max_kb = kEvidenceMaxKbDefault;
    double evidence_image_max_kb() const override { return evidence_max_kb; }

    static CrowdSettings read(Params& p);
};

}  // namespace gw::detectors
