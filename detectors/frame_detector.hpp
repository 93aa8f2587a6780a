#pragma once
// Detectors that watch camera frames (crowd density, video fire). Pure like
// the sensor detectors: time comes with each frame, so the daemon, the
// offline `gatewayctl analyze` and the tests drive them the same way.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "config/detector_config.hpp"
#include "core/event_id.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace gw::detectors {

// A JPEG with the detections drawn on it, taken when an incident is raised.
// The raise event names it (`Event::evidence == event_id`); the store/uplink publish
// `bytes` on {prefix}/{site}/{gateway}/evidence/{event_id}.
struct Evidence {
    // The raise event it shows, which names it (Event::evidence): an image
    // has no id of its own, so the center files it under that event.
    std::string event_id;
    std::string content_type = "image/jpeg";
    std::vector<uint8_t> bytes;
};

// What one frame showed: for analyze, overlays and tests.
struct FrameResult {
    int64_t t_ms = 0;
    bool ready = false;           // false while a background model is still learning
    double count = 0;             // crowd: people in the region (this frame)
    double density = 0;           // crowd: persons/m^2 (smoothed), 0 without an area
    bool dense_mode = false;      // crowd: counted by foreground occupancy
    bool fire = false;            // fire: flames seen in this frame
    double score = 0;             // fire: best region score 0..1
    std::vector<cv::Rect> boxes;  // people or flame regions, full-resolution pixels
    nlohmann::json details;       // per-detector diagnostics for calibration (analyze --details)
};

class FrameDetector {
  public:
    virtual ~FrameDetector() = default;
    // Feeds one BGR frame taken at t_ms (monotonic per detector). Appends the
    // lifecycle events it caused, and one Evidence per raise event.
    virtual const FrameResult& on_frame(const cv::Mat& bgr, int64_t t_ms,
                                        std::vector<Event>& events,
                                        std::vector<Evidence>& evidence) = 0;
    // Draws the last frame's detections (boxes, heat map or flame mask) on `bgr`.
    virtual void draw(cv::Mat& bgr) const = 0;
    virtual const std::string& id() const = 0;
    // The largest evidence image it sends (evidence_max_kb): a snapshot or
    // fresh evidence of its camera keeps to the smallest of its detectors'.
    virtual size_t evidence_max_bytes() const = 0;
};

// Builds the detector for a `crowd` or `video_fire` [[detectors]] entry through
// its kind (detectors/kinds.hpp), from the settings the loader read.
Result<std::unique_ptr<FrameDetector>> make_frame_detector(const DetectorConfig& config,
                                                           EventIdSource& ids);

// Kinds that make_frame_detector builds.
bool is_frame_detector_kind(const std::string& kind);

}  // namespace gw::detectors
