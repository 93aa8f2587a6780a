#include "ground_region.hpp"

#include <algorithm>
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

double triangle_area(cv::Point2d a, cv::Point2d b, cv::Point2d c) {
    return std::abs((b - a).cross(c - a)) / 2;
}

// Four points no three of which are on a line, or nearly: every triangle
// they make has an area of at least kMinFlatness of its longest side
// squared. Scale-free, so pixels and metres are judged alike. Otherwise the
// homography is singular, or so ill-conditioned that a pixel of error in a
// point moves the counted area by metres. A real calibration quad (a floor
// rectangle in perspective, however far) is above 0.01.
constexpr double kMinFlatness = 1e-3;

bool in_general_position(const std::vector<cv::Point2f>& p) {
    for (size_t skip = 0; skip < p.size(); ++skip) {
        std::vector<cv::Point2d> t;
        for (size_t i = 0; i < p.size(); ++i)
            if (i != skip) t.emplace_back(p[i]);
        const double longest =
            std::max({cv::norm(t[1] - t[0]), cv::norm(t[2] - t[1]), cv::norm(t[0] - t[2])});
        if (longest <= 0 || triangle_area(t[0], t[1], t[2]) < kMinFlatness * longest * longest)
            return false;
    }
    return true;
}

}  // namespace

std::optional<GeometryProblem> ground_geometry_problem(const std::vector<double>& roi,
                                                       const std::vector<double>& ground_px,
                                                       const std::vector<double>& ground_m) {
    if (ground_px.size() == 8 && ground_m.size() == 8) {
        if (!in_general_position(points(ground_px)))
            return GeometryProblem{"ground_px",
                                   "no three of the 4 points may be on (or nearly on) a line"};
        if (!in_general_position(points(ground_m)))
            return GeometryProblem{"ground_m",
                                   "no three of the 4 points may be on (or nearly on) a line"};
    }
    const auto polygon = points(roi);
    if (!polygon.empty() && std::abs(cv::contourArea(polygon)) < 1)
        return GeometryProblem{"roi", "the polygon has no area"};
    return std::nullopt;
}

Result<GroundRegion> GroundRegion::make(const std::vector<double>& roi, double area_m2,
                                        const std::vector<double>& ground_px,
                                        const std::vector<double>& ground_m) {
    if (auto problem = ground_geometry_problem(roi, ground_px, ground_m))
        return fail(problem->key + ": " + problem->why);
    GroundRegion g;
    g.polygon_ = points(roi);
    g.area_m2_ = area_m2;
    if (ground_px.size() == 8 && ground_m.size() == 8) {
        auto img = points(ground_px);
        cv::Mat h = cv::getPerspectiveTransform(img, points(ground_m));
        if (g.polygon_.empty()) g.polygon_ = img;
        std::vector<cv::Point2f> on_ground;
        cv::perspectiveTransform(g.polygon_, on_ground, h);
        g.area_m2_ = std::abs(cv::contourArea(on_ground));
    }
    return g;
}

// The size comes from the processed frame itself: cv::resize rounds a
// half to even, so a size computed here from full * scale could be one
// pixel off (720 * 0.28125 = 202.5: resize made 202 rows, lround 203) and
// the masks could not be combined.
const cv::Mat& GroundRegion::mask(cv::Size processed, double scale) {
    if (processed == mask_size_ && scale == mask_scale_ && !mask_.empty()) return mask_;
    if (polygon_.empty()) {
        mask_ = cv::Mat(processed, CV_8U, cv::Scalar(255));
    } else {
        mask_ = cv::Mat::zeros(processed, CV_8U);
        std::vector<cv::Point> poly;
        for (const auto& p : polygon_)
            poly.emplace_back(static_cast<int>(std::lround(p.x * scale)),
                              static_cast<int>(std::lround(p.y * scale)));
        cv::fillPoly(mask_, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255));
    }
    mask_size_ = processed;
    mask_scale_ = scale;
    return mask_;
}

bool GroundRegion::contains(cv::Point2f p) const {
    return polygon_.empty() || cv::pointPolygonTest(polygon_, p, false) >= 0;
}

}  // namespace gw::detectors
