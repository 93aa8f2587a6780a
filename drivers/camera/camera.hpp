#pragma once
// One Camera per configured camera: an OpenCV VideoCapture owned by its own
// thread (file, rtsp:// URL or a V4L2 device under /dev), frame-rate limit and resize,
// reconnect with backoff, and camera faults (offline, frozen, covered) as
// events of kind "camera". OpenCV stays out of this header (pimpl).
#include <cstdint>
#include <memory>
#include <string>

#include "config/camera_config.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/mode.hpp"
#include "core/result.hpp"
#include "core/sinks.hpp"

namespace gw::camera {

class FrameSink;

struct CameraCounters {
    std::string camera;
    uint64_t frames_read = 0;
    uint64_t frames_delivered = 0;
    uint64_t frames_dropped = 0;  // read but over the frame-rate limit
    uint64_t opens = 0;
    uint64_t open_failures = 0;
    uint64_t read_failures = 0;  // a stream that ended or broke (files: each end of file)
    bool online = false;
    bool frozen = false;
    bool covered = false;
    // Why the last open failed or the stream was lost (kept after it is
    // back, as a Modbus device's): "10.0.0.5:554: No route to host", say.
    std::string last_error;
};

// OpenCV's V4L2 backend waits up to 10 s for each frame of a stalled USB
// camera (OPENCV_VIDEOIO_V4L_SELECT_TIMEOUT, read at its first capture):
// twice a network stream's read timeout, and a stop waited it out, past
// systemd's stop timeout with several cameras. Sets it to the same 5 s,
// unless the environment already gives it. Call before any thread starts
// (it changes the environment).
void bound_capture_waits();

class Camera {
  public:
    // `mode` (may be null: always normal) picks fps or fps_emergency per frame.
    Camera(CameraConfig cfg, FrameSink& frames, EventSink& events, const Clock& clock, Log& log,
           const ModeView* mode = nullptr);
    ~Camera();
    Camera(const Camera&) = delete;
    Camera& operator=(const Camera&) = delete;

    // Starts the capture thread; opening happens there, so a dead camera
    // never blocks start() or any other camera.
    Status start();
    // Tells the thread to stop, without waiting: several cameras stuck in
    // an open or a read then stop together, not one timeout after another.
    void request_stop();
    // Joins the thread; at most one read timeout (5 s for network streams).
    void stop();
    CameraCounters counters() const;
    const std::string& id() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gw::camera
