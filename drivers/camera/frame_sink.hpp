#pragma once
// Where cameras deliver frames. Only vision code includes this (it carries
// a cv::Mat); the camera driver's own header stays free of OpenCV.
#include <cstdint>
#include <string>

#include <opencv2/core/mat.hpp>

namespace gw::camera {

struct Frame {
    std::string camera;   // CameraConfig::id
    cv::Mat image;        // BGR, already resized to the configured size
    int64_t t_ms = 0;     // wall time of capture (from the one Clock)
    int64_t mono_ms = 0;  // monotonic time of capture (Clock::mono_ms)
    uint64_t seq = 0;     // per camera, counts delivered frames from 1
};

class FrameSink {
  public:
    virtual ~FrameSink() = default;
    // Called on the camera's own thread. The image is not reused by the
    // camera after the call: keep it (cv::Mat shares, no copy) or clone.
    virtual void on_frame(const Frame& frame) = 0;
};

}  // namespace gw::camera
