#pragma once
// Video flame detection settings (colour + motion + flicker + growth).
#include <vector>

#include "config/detector_config.hpp"
#include "core/params.hpp"

namespace gw::detectors {

struct VideoFireSettings final : DetectorSettings {
    double persist_s = 1.2;         // flame evidence this long (mostly) before the alarm
    double persist_frac = 0.75;     // share of frames in persist_s that must show flames
    double min_area_frac = 0.0005;  // smallest flame region, fraction of the frame
    double clear_hold_s = 10;
    double process_width = 320;  // frames are scaled to this width first (px)
    double red_min = 120;        // Chen: R above this
    double sat_min = 55;         // Chen: saturation threshold S_T (0..255 scale)
    double cbcr_min = 30;        // Celik: |Cr - Cb| at least this
    double motion_min = 12;      // grey-level change that counts as motion
    double flicker_s = 1.0;      // window for the flicker and growth statistics
    double flicker_min = 0.28;   // share of a region's pixels that must flicker
    // Zig-zag flicker must return near its level (|x[t]-x[t-2]| below this
    // times the smaller swing) to count; 0 counts every zig-zag. 1 stops
    // animated signs and moving faces at 8-10 fps but slows the alarm
    // (docs/vision.md, "Frame rate").
    double flicker_in_place = 0;
    // Region support only where flame colour also moves this often (EMA of
    // moving flame-coloured pixels); 0: every flame-coloured pixel. Sunlit
    // leaves, sand and brick pass the colour rules but stay still: without
    // this they merge with the flames into one region whose flicker share
    // is diluted below flicker_min, and a daylight fire is missed.
    double active_support = 0.2;
    // Animated signs, chasing lights and blinking lamps cycle through a few
    // states: a region that matches one of its looks of the last repeat_s
    // much better than the looks of 80-250 ms ago (best / recent below
    // repeat_max) is taken for such a light and does not score. Flames
    // never come back (about 0.8). 0: off.
    double repeat_s = 1.0;
    double repeat_max = 0.5;
    // Camera rates below this are refused by the config loader: flicker
    // (flames: 1-10 Hz) is not measurable on sparser frames. While frames
    // arrive slower (a slow camera), flicker is not scored at all.
    double min_fps = 10;
    // Zones the detector does not look at, as x, y, width, height in the
    // camera's pixels (a multiple of 4 numbers): a flag, barrier tape or a
    // sign in flame colours that a site's wind moves. A fire wholly inside
    // a zone is not seen; flames outside it are, as everywhere else.
    std::vector<double> ignore;
    double score_min = 0.5;      // per-frame region score for "flames in this frame"
    double growth_critical = 3;  // area grown this many times since raise: critical
    double evidence_max_kb = kEvidenceMaxKbDefault;
    double evidence_image_max_kb() const override { return evidence_max_kb; }

    static VideoFireSettings read(Params& p);
    double min_camera_fps() const override { return min_fps; }
};

}  // namespace gw::detectors
