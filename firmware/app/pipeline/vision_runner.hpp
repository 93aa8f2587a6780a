#pragma once
// Runs each camera's vision detectors on that camera's own thread (called
// from its FrameSink), so a slow or dead camera never delays sensor alarms
// or the other cameras. Events go to the pipeline, evidence images to the
// store right after their event. In emergency mode an open vision incident
// also gets a fresh image every camera's evidence_interval_s_emergency.
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/camera_config.hpp"
#include "config/detector_config.hpp"
#include "core/event_id.hpp"
#include "core/log.hpp"
#include "core/log_throttle.hpp"
#include "core/mode.hpp"
#include "core/result.hpp"
#include "core/sinks.hpp"
#include "drivers/camera/frame_sink.hpp"
#include "evidence_refresher.hpp"
#include "frame_detector.hpp"
#include "frame_keeper.hpp"
#include "intake.hpp"

namespace gw {

class VisionRunner {
  public:
    // `mode` may be null (no emergency mode: no fresh evidence).
    VisionRunner(EventSink& events, Intake& intake, Log& log, const ModeView* mode = nullptr)
        : events_(events), intake_(intake), log_(log), mode_(mode) {}

    // Builds the frame detectors of every vision [[detectors]] entry.
    Status build(const std::vector<DetectorConfig>& detectors,
                 const std::vector<CameraConfig>& cameras, EventIdSource& ids);
    // One frame detector of `camera` (build() adds each configured one).
    void add(const std::string& camera, std::unique_ptr<detectors::FrameDetector> detector);
    size_t size() const;

    // On the camera's thread.
    void on_frame(const camera::Frame& frame);
    // The camera's latest frame with every detector's overlay, as JPEG.
    Result<std::vector<uint8_t>> snapshot(const std::string& camera, const FrameKeeper& frames);

  private:
    struct Running {
        explicit Running(std::unique_ptr<detectors::FrameDetector> d) : detector(std::move(d)) {}
        std::unique_ptr<detectors::FrameDetector> detector;
        LogThrottle failures;  // frames it threw on
    };
    struct PerCamera {
        std::mutex mutex;               // detectors are not thread-safe: frames vs snapshots
        std::deque<Running> detectors;  // a deque: a LogThrottle does not move
        EvidenceRefresher refresher;    // on the camera's thread only
        int64_t refresh_ms = 30000;
    };
    PerCamera* find(const std::string& camera);
    void run_detectors(PerCamera& cam, const camera::Frame& frame, std::vector<Event>& events,
                       std::vector<detectors::Evidence>& evidence);
    void refresh_evidence(PerCamera& cam, const camera::Frame& frame);
    // The frame with every detector's overlay and a label, as JPEG.
    Result<std::vector<uint8_t>> annotated_jpeg(camera::Frame frame, PerCamera* cam);

    EventSink& events_;
    Intake& intake_;
    Log& log_;
    const ModeView* mode_;
    EventIdSource* ids_ = nullptr;
    std::map<std::string, std::unique_ptr<PerCamera>> cameras_;
};

}  // namespace gw
