#include "vision_runner.hpp"

#include <algorithm>
#include <ctime>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "vision_util.hpp"

namespace gw {

Status VisionRunner::build(const std::vector<DetectorConfig>& detectors,
                           const std::vector<CameraConfig>& cameras, EventIdSource& ids) {
    ids_ = &ids;
    for (const auto& d : detectors) {
        if (!detectors::is_frame_detector_kind(d.kind)) continue;
        auto det = detectors::make_frame_detector(d, ids);
        if (!det) return fail(det.error());
        add(d.camera, std::move(*det));
        for (const auto& c : cameras)
            if (c.id == d.camera)
                cameras_[d.camera]->refresh_ms = int64_t(c.evidence_interval_s_emergency) * 1000;
    }
    return Status::success();
}

void VisionRunner::add(const std::string& camera,
                       std::unique_ptr<detectors::FrameDetector> detector) {
    auto& cam = cameras_[camera];
    if (!cam) cam = std::make_unique<PerCamera>();
    cam->detectors.emplace_back(std::move(detector));
}

size_t VisionRunner::size() const {
    size_t n = 0;
    for (const auto& [id, cam] : cameras_) n += cam->detectors.size();
    return n;
}

VisionRunner::PerCamera* VisionRunner::find(const std::string& camera) {
    auto it = cameras_.find(camera);
    return it == cameras_.end() ? nullptr : it->second.get();
}

void VisionRunner::on_frame(const camera::Frame& frame) {
    PerCamera* cam = find(frame.camera);
    if (!cam) return;
    // Detectors and the refresher run on the camera's monotonic time: a wall
    // clock step (NTP after an offline boot) would stall their holds for as
    // long as it went back, while their windows kept every frame, or end the
    // holds at once when it jumped ahead. The events say wall time.
    const int64_t t = frame.mono_ms;
    std::vector<Event> events;
    std::vector<detectors::Evidence> evidence;
    run_detectors(*cam, frame, events, evidence);
    for (auto& e : events) {
        e.t_ms += frame.t_ms - frame.mono_ms;
        events_.on_event(e);
    }
    std::vector<std::string> with_evidence;
    for (const auto& ev : evidence) {
        with_evidence.push_back(ev.event_id);
        if (auto s = intake_.submit_evidence(ev.event_id, ev.content_type, ev.bytes); !s)
            log_.error("vision", "evidence not stored",
                       {{"event", ev.event_id}, {"error", s.error()}});
    }
    cam->refresher.observe(events, with_evidence, t);
    if (in_emergency(mode_)) refresh_evidence(*cam, frame);
}

// A detector that throws on a frame (an OpenCV error on a frame size or
// setting nobody tried) must not end the camera's thread: the exception
// would take the whole gateway down, sensor alarms too, and again after
// every restart. That detector skips the frame; the others and the camera
// go on. Logged at the first failure and at most every 10 s after it.
// Events it emitted before it threw are kept: its state has moved on (an
// alarm raised is not raised again), so dropping them would lose the alarm.
void VisionRunner::run_detectors(PerCamera& cam, const camera::Frame& frame,
                                 std::vector<Event>& events,
                                 std::vector<detectors::Evidence>& evidence) {
    std::lock_guard<std::mutex> lock(cam.mutex);
    for (auto& [detector, failures] : cam.detectors) {
        try {
            detector->on_frame(frame.image, frame.mono_ms, events, evidence);
        } catch (const std::exception& ex) {
            if (uint64_t n = failures.note(frame.mono_ms))
                log_.error("vision", "detector failed on a frame: frame skipped",
                           {{"detector", detector->id()},
                            {"camera", frame.camera},
                            {"failures", failures.total()},
                            {"since_last_line", n},
                            {"error", ex.what()}});
        }
    }
}

void VisionRunner::refresh_evidence(PerCamera& cam, const camera::Frame& frame) {
    for (auto& e : cam.refresher.due(frame.mono_ms, cam.refresh_ms, *ids_)) {
        e.t_ms = frame.t_ms;
        auto jpeg = annotated_jpeg(frame, &cam);
        if (!jpeg) {
            log_.warn("vision", "fresh evidence not made", {{"error", jpeg.error()}});
            continue;
        }
        events_.on_event(e);
        if (auto s = intake_.submit_evidence(e.id, "image/jpeg", *jpeg); !s)
            log_.error("vision", "evidence not stored", {{"event", e.id}, {"error", s.error()}});
    }
}

Result<std::vector<uint8_t>> VisionRunner::snapshot(const std::string& camera,
                                                    const FrameKeeper& frames) {
    camera::Frame frame = frames.latest(camera);
    if (frame.image.empty()) return fail("camera \"" + camera + "\" has delivered no frame yet");
    return annotated_jpeg(std::move(frame), find(camera));
}

Result<std::vector<uint8_t>> VisionRunner::annotated_jpeg(camera::Frame frame, PerCamera* cam) {
    frame.image = frame.image.clone();  // the camera's buffer stays as it was
    // A camera without detectors: the detectors' default cap.
    auto max_bytes = static_cast<size_t>(kEvidenceMaxKbDefault * 1024);
    if (cam) {
        std::lock_guard<std::mutex> lock(cam->mutex);
        try {  // as in run_detectors: a detector's error ends no thread
            for (auto& r : cam->detectors) {
                r.detector->draw(frame.image);
                max_bytes = std::min(max_bytes, r.detector->evidence_max_bytes());
            }
        } catch (const std::exception& ex) {
            return fail(std::string("a detector's overlay could not be drawn: ") + ex.what());
        }
    }
    const std::string& camera = frame.camera;
    // Which camera and when, so a snapshot sent around stays self-explaining.
    std::time_t secs = static_cast<std::time_t>(frame.t_ms / 1000);
    char when[32];
    std::tm local{};  // localtime_r: snapshots are made on several threads at once
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime_r(&secs, &local));
    const std::string label = camera + "  " + when + "  #" + std::to_string(frame.seq);
    cv::putText(frame.image, label, {6, 16}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {0, 0, 0}, 3);
    cv::putText(frame.image, label, {6, 16}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {255, 255, 255}, 1);
    auto jpeg = detectors::encode_capped_jpeg(frame.image, max_bytes);
    if (jpeg.empty())
        return fail("cannot encode a JPEG within " + std::to_string(max_bytes) + " bytes");
    return jpeg;
}

}  // namespace gw
