#include "ground_region.hpp"

#include <cmath>

#include <opencv2/imgproc.hpp>

namespace gw::detectors {

namespace {
std::vector<cv::Point2f> points(const std::vector<double>& xy) {
    std::vector<cv::Point2f> out;
    for (size_t i = 0; i + 1 < xy.size(); i += 2)
        out.emplace_back(static_cast<float>(xy[i]), static_cast<float>(xy[i + 1]));
    return out;
}
}  // namespace

Result<GroundRegion> GroundRegion::make(const std::vector<double>& roi, double area_m2,
                                        const std::vector<double>& ground_px,
                                        const std::vector<double>& ground_m) {
    GroundRegion g;
    g.polygon_ = points(roi);
    g.area_m2_ = area_m2;
    if (ground_px.size() == 8 && ground_m.size() == 8) {
        auto img = points(ground_px);
        auto world = points(ground_m);
        if (std::abs(cv::contourArea(img)) < 1 || std::abs(cv::contourArea(world)) < 1e-6)
            return fail("ground points must span an area (no three on a line)");
        cv::Mat h = cv::getPerspectiveTransform(img, world);
        if (g.polygon_.empty()) g.polygon_ = img;
        std::vector<cv::Point2f> on_ground;
        cv::perspectiveTransform(g.polygon_, on_ground, h);
        g.area_m2_ = std::abs(cv::contourArea(on_ground));
    }
    if (!g.polygon_.empty() && std::abs(cv::contourArea(g.polygon_)) < 1)
        return fail("roi polygon has no area");
    return g;
}

const cv::Mat& GroundRegion::mask(cv::Size full, double scale) {
    if (full == mask_full_ && scale == mask_scale_ && !mask_.empty()) return mask_;
    cv::Size sz(static_cast<int>(std::lround(full.width * scale)),
                static_cast<int>(std::lround(full.height * scale)));
    if (polygon_.empty()) {
        mask_ = cv::Mat(sz, CV_8U, cv::Scalar(255));
    } else {
        mask_ = cv::Mat::zeros(sz, CV_8U);
        std::vector<cv::Point> poly;
        for (const auto& p : polygon_)
            poly.emplace_back(static_cast<int>(std::lround(p.x * scale)),
                              static_cast<int>(std::lround(p.y * scale)));
        cv::fillPoly(mask_, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255));
    }
    mask_full_ = full;
    mask_scale_ = scale;
    return mask_;
}

bool GroundRegion::contains(cv::Point2f p) const {
    return polygon_.empty() || cv::pointPolygonTest(polygon_, p, false) >= 0;
}

}  // namespace gw::detectors
