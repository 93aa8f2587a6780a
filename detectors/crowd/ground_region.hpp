#pragma once
// The counted region: a polygon in the image and its ground area in m^2,
// given directly or from four ground points through a homography.
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/result.hpp"

namespace gw::detectors {

struct GeometryProblem {
    std::string key;  // the setting at fault: roi, ground_px or ground_m
    std::string why;
};

// Why the region cannot be used as given, if it cannot: a roi without area,
// or ground points a homography cannot map (three on a line). The loader
// asks this, so the daemon never meets such a region at start.
std::optional<GeometryProblem> ground_geometry_problem(const std::vector<double>& roi,
                                                       const std::vector<double>& ground_px,
                                                       const std::vector<double>& ground_m);

class GroundRegion {
  public:
    // roi: x,y pairs (empty: whole frame, or the ground quad if given);
    // ground_px/ground_m: 4 image points and their ground positions (m).
    static Result<GroundRegion> make(const std::vector<double>& roi, double area_m2,
                                     const std::vector<double>& ground_px,
                                     const std::vector<double>& ground_m);

    // Mask of the region on a processed frame of size `processed`, scaled
    // by `scale` from full resolution.
    const cv::Mat& mask(cv::Size processed, double scale);
    double area_m2() const { return area_m2_; }
    bool whole_frame() const { return polygon_.empty(); }
    const std::vector<cv::Point2f>& polygon() const { return polygon_; }
    bool contains(cv::Point2f full_px) const;

  private:
    std::vector<cv::Point2f> polygon_;  // full-resolution pixels; empty: whole frame
    double area_m2_ = 0;
    cv::Mat mask_;
    cv::Size mask_size_;
    double mask_scale_ = 0;
};

}  // namespace gw::detectors
