#pragma once
// Crowd counting and density per region (see docs/vision.md):
//  - moving foreground from a background model (MOG2, shadows dropped);
//  - sparse scenes: each moving blob is counted in persons from its area and
//    the person size at its row; HOG runs on upscaled blobs to confirm
//    groups and to learn the person size per row (perspective);
//  - dense scenes (foreground covers much of the region): count from the
//    occupied share of the region's ground area;
//  - levels on the smoothed density, an occupancy limit and a fast-rise
//    warning, each through the shared IncidentTracker.
#include <deque>
#include <memory>
#include <optional>

#include <opencv2/objdetect.hpp>
#include <opencv2/video/background_segm.hpp>

#include "crowd/crowd_settings.hpp"
#include "crowd/ground_region.hpp"
#include "crowd/person_model.hpp"
#include "frame_detector.hpp"
#include "incident.hpp"

namespace gw::detectors {

class CrowdDetector final : public FrameDetector {
  public:
    CrowdDetector(std::string id, CrowdSettings s, GroundRegion region, EventIdSource& ids);

    const FrameResult& on_frame(const cv::Mat& bgr, int64_t t_ms, std::vector<Event>& events,
                                std::vector<Evidence>& evidence) override;
    void draw(cv::Mat& bgr) const override;
    const std::string& id() const override { return id_; }
    size_t evidence_max_bytes() const override {
        return static_cast<size_t>(s_.evidence_max_kb * 1024);
    }

  private:
    struct Blob {
        cv::Rect box;  // processing resolution
        int area = 0;
        double people = 0;
    };
    void restart();             // learn the background again; no count until ready
    bool is_gap(int64_t t_ms);  // frames stopped for a while: a reconnect
    bool is_cut();              // the whole view changed at once
    void foreground(const cv::Mat& small, int64_t t_ms);
    std::vector<Blob> blobs(const cv::Mat& region_mask);
    double count_sparse(std::vector<Blob>& found, const cv::Mat& small);
    int hog_people(const cv::Mat& small, const cv::Rect& box, double expected_h);
    void learn_from(const Blob& b, int border);
    void smooth(int64_t t_ms);
    Observation density_observation(int64_t t_ms);
    std::optional<Severity> occupancy_severity() const;
    Observation rise_observation(int64_t t_ms);
    void emit(std::optional<Event> e, const cv::Mat& bgr, std::vector<Event>& events,
              std::vector<Evidence>& evidence);

    std::string id_;
    CrowdSettings s_;
    GroundRegion region_;
    PersonModel model_;
    IncidentTracker density_;
    IncidentTracker rise_;
    std::optional<LevelBands> bands_;
    cv::Ptr<cv::BackgroundSubtractorMOG2> bg_;
    cv::HOGDescriptor hog_;
    cv::Mat open_kernel_, close_kernel_;
    cv::Mat fg_;        // processing-resolution foreground
    double scale_ = 1;  // processing / full resolution
    cv::Size full_;
    int64_t first_t_ = -1, last_t_ = -1, smoothed_t_ = -1;
    double mean_dt_ms_ = 0;  // typical frame interval
    double fg_share_ = 0;    // last frame's foreground share of the frame
    long frames_ = 0;
    size_t hog_next_ = 0;  // round robin over blobs: bounded HOG work per frame
    std::optional<double> smoothed_;
    std::deque<std::pair<int64_t, double>> history_;  // (t, smoothed density) for the rise
    FrameResult result_;
    std::vector<Blob> last_blobs_;
};

}  // namespace gw::detectors
