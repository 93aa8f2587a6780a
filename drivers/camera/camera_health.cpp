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

    const Frame frame{t_ms, mean[0], stddev[0]};
    track(dark, covered_, s_.covered_ms, "covered", frozen_, "frozen", frame, changes);
    track(same, frozen_, s_.frozen_ms, "frozen", covered_, "covered", frame, changes);
    return changes;
}

// One cause at a time: a fault raised ends the other at once when the
// other's condition is gone already (a lens covered on a frozen stream is
// covered, not also frozen), without waiting out its clear_ms.
void CameraHealth::track(bool condition, Fault& f, int64_t raise_after_ms, const char* type,
                         Fault& other, const char* other_type, const Frame& frame,
                         std::vector<HealthChange>& changes) const {
    if (condition) {
        f.gone_since = -1;
        if (f.since < 0) f.since = frame.t_ms;
        if (!f.active && frame.t_ms - f.since >= raise_after_ms) {
            if (other.active && other.gone_since >= 0) end(other, other_type, frame, changes);
            f.active = true;
            changes.push_back({type, true, f.since, frame.mean, frame.stddev});
        }
        return;
    }
    f.since = -1;
    if (!f.active) return;
    if (f.gone_since < 0) f.gone_since = frame.t_ms;
    if (frame.t_ms - f.gone_since >= s_.clear_ms) end(f, type, frame, changes);
}

// The clear says when the condition went (since_ms), not when it was decided.
void CameraHealth::end(Fault& f, const char* type, const Frame& frame,
                       std::vector<HealthChange>& changes) {
    changes.push_back({type, false, f.gone_since, frame.mean, frame.stddev});
    f.active = false;
    f.gone_since = -1;
}

}  // namespace gw::camera
