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

    track(dark, covered_, s_.covered_ms, "covered", t_ms, mean[0], stddev[0], changes);
    track(same, frozen_, s_.frozen_ms, "frozen", t_ms, mean[0], stddev[0], changes);
    return changes;
}

void CameraHealth::track(bool condition, Fault& f, int64_t raise_after_ms, const char* type,
                         int64_t t_ms, double mean, double stddev,
                         std::vector<HealthChange>& changes) const {
    if (condition) {
        f.gone_since = -1;
        if (f.since < 0) f.since = t_ms;
        if (!f.active && t_ms - f.since >= raise_after_ms) {
            f.active = true;
            changes.push_back({type, true, f.since, mean, stddev});
        }
        return;
    }
    f.since = -1;
    if (!f.active) return;
    if (f.gone_since < 0) f.gone_since = t_ms;
    if (t_ms - f.gone_since < s_.clear_ms) return;
    f.active = false;
    f.gone_since = -1;
    changes.push_back({type, false, t_ms, mean, stddev});
}

}  // namespace gw::camera
