#pragma once
// Video flame detection (see docs/vision.md): flame-coloured regions
// (Chen + Celik rules) that flicker in place (per-pixel colour toggles over
// ~1 s, Toreyin's cue), move from frame to frame, have a flame hue (orange to
// yellow, not the pure red of signs and lamps) and persist; growth raises the
// severity. Static fire-coloured light (lamps, sunsets, neon) does not
// flicker in place; moving clothing does not stay; both stay below the score.
// Animated signs and chasing lights do flicker, but their cycle comes back
// within a second and a flame's look never does (repeat_s). Pictures a camera
// sends twice are skipped.
#include <deque>
#include <optional>
#include <utility>

#include "fire/flame_colour.hpp"
#include "fire/video_fire_settings.hpp"
#include "frame_detector.hpp"
#include "incident.hpp"

namespace gw::detectors {

class VideoFireDetector final : public FrameDetector {
  public:
    VideoFireDetector(std::string id, VideoFireSettings s, EventIdSource& ids);

    const FrameResult& on_frame(const cv::Mat& bgr, int64_t t_ms, std::vector<Event>& events,
                                std::vector<Evidence>& evidence) override;
    void draw(cv::Mat& bgr) const override;
    const std::string& id() const override { return id_; }
    size_t evidence_max_bytes() const override {
        return static_cast<size_t>(s_.evidence_max_kb * 1024);
    }

    // Region features of the last frame, for analyze and tuning.
    struct Region {
        cv::Rect box;  // processing resolution
        int area = 0;
        double flicker = 0, motion = 0, hue = 0, sync = 0, score = 0;
        double repeat = 1;  // best match to an earlier look / typical change (1: never repeats)
    };
    const std::vector<Region>& regions() const { return regions_; }

  private:
    bool is_repeat(const cv::Mat& grey, int64_t t_ms) const;
    double seconds_since(int64_t before_ms, int64_t t_ms) const;
    void mask_ignored(cv::Mat& colour);
    void update_statistics(const cv::Mat& small, const cv::Mat& grey, double dt_s);
    void find_regions(const cv::Mat& small);
    void remember(int64_t t_ms);
    double repeat_ratio(const cv::Rect& box) const;
    double repeat_of(const cv::Rect& box, const cv::Mat& in, cv::Mat& now) const;
    Observation observe(int64_t t_ms);
    Observation observe_rate(double dt_s);

    std::string id_;
    VideoFireSettings s_;
    FlameColourRules rules_;
    IncidentTracker tracker_;
    IncidentTracker rate_tracker_;  // "frame_rate_low": this camera cannot see flames
    double mean_dt_s_ = 0;
    cv::Mat colour_, prev_colour_, grey_, prev_grey_, moving_, prev_diff_, toggled_;
    cv::Mat presence_, flicker_, activity_;  // per-pixel EMAs (CV_32F): flame colour,
                                             // zig-zags, moving flame colour
    double seen_ = 0;     // the share of the EMAs' weight that frames seen so far carry
    cv::Mat flame_mask_;  // pixels of scoring regions (processing resolution)
    double scale_ = 1;
    cv::Size full_;
    std::vector<cv::Rect> ignore_;  // s_.ignore as rectangles in the camera's pixels
    cv::Mat ignored_;               // ignore_ at processing resolution (255: ignored)
    cv::Size ignored_full_;         // the frame size ignored_ was made for
    int64_t last_t_ = -1;           // the last frame
    int64_t last_new_t_ = -1;       // the last frame that was not a repeat
    std::vector<Region> regions_;
    std::deque<std::pair<int64_t, cv::Mat>> looks_;  // grey frames over repeat_s, newest first
    cv::Mat last_repeat_;  // the last frame's repeat ratio per pixel of its regions (CV_32F)
    std::deque<std::pair<int64_t, double>> window_;  // (t, flame area or 0) over persist_s
    double raise_area_ = 0;
    FrameResult result_;
};

}  // namespace gw::detectors
