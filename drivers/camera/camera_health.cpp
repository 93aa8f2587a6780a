#include "camera_health.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace gw::camera {

std::vector<HealthChange> CameraHealth::update(const cv::Mat& bgr, int64_t t_ms) {
    std::vector<HealthChange> changes;
    if (bgr.empty()) return changes;
    cv::Mat gray;
    if (bgr.channels() == 3)
        cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
    else
        gray = bgr;
    cv::Scalar mean, stddev;
    cv::meanStdDev(gray, mean, stddev);
    const bool dark = mean[0] < s_.dark_mean || stddev[0] < s_.uniform_stddev;

    // A covered lens also looks frozen; report the cause, not both.
    bool same = false;
    if (!dark && !previous_.empty() && previous_.size() == gray.size())
        same = cv::norm(previous_, gray, cv::NORM_INF) <= s_.identical_max;
    previous_ = gray.clone();

    auto track = [&](bool condition, int64_t& since, bool& active, int64_t limit,
                     const char* type) {
        if (condition) {
            if (since < 0) since = t_ms;
            if (!active && t_ms - since >= limit) {
                active = true;
                changes.push_back({type, true, since, mean[0], stddev[0]});
            }
        } else {
            since = -1;
            if (active) {
                active = false;
                changes.push_back({type, false, t_ms, mean[0], stddev[0]});
            }
        }
    };
    track(dark, dark_since_, covered_, s_.covered_ms, "covered");
    track(same, same_since_, frozen_, s_.frozen_ms, "frozen");
    return changes;
}

}  // namespace gw::camera
