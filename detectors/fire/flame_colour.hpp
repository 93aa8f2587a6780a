#pragma once
// Per-pixel flame colour rules, the classic no-model tests:
//   Chen 2004 (RGB + saturation): R > R_T, R >= G > B, S >= (255 - R) * S_T / R_T;
//   Celik 2009 (YCbCr): Y > Cb, Cr > Cb, |Cr - Cb| >= tau, Y above the frame mean.
#include <opencv2/core.hpp>

namespace gw::detectors {

struct FlameColourRules {
    double red_min = 120;
    double sat_min = 55;
    double cbcr_min = 30;
};

// 255 where a pixel of `bgr` has flame colour, else 0.
void flame_colour_mask(const cv::Mat& bgr, const FlameColourRules& rules, cv::Mat& mask);

}  // namespace gw::detectors
