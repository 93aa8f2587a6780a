#pragma once
// Small helpers shared by the frame detectors.
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "frame_detector.hpp"

namespace gw::detectors {

// Encodes `bgr` as JPEG no larger than max_bytes: lowers the quality first,
// then halves the size, so evidence always fits the uplink's message cap.
// Empty only if even a 64 px wide image at the lowest quality does not fit.
std::vector<uint8_t> encode_capped_jpeg(const cv::Mat& bgr, size_t max_bytes);

// On a raise: encodes the annotated frame (size-capped), names it in the
// event and appends it to `evidence`. Other states get no image.
void attach_evidence(Event& event, const cv::Mat& annotated, size_t max_bytes,
                     std::vector<Evidence>& evidence);

// Scales `bgr` to `width` (keeping the aspect); returns the scale applied.
double scale_to_width(const cv::Mat& bgr, double width, cv::Mat& out);

}  // namespace gw::detectors
