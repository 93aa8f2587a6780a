#pragma once
// A [[cameras]] entry: what the camera driver takes.
#include <string>

namespace gw {

struct CameraConfig {
    std::string id;
    std::string url;  // file path, rtsp://..., or /dev/videoN
    double fps = 5.0;
    // In emergency mode (issue 13): the rate (default min(2*fps, 25), never
    // below fps) and how often a vision detector with an active incident
    // attaches fresh evidence.
    double fps_emergency = 10.0;
    int evidence_interval_s_emergency = 30;
    int width = 0;  // 0: keep the camera's size
    int height = 0;
    int reconnect_max_ms = 30000;
    int frozen_ms = 10000;  // identical frames this long: camera fault
};

}  // namespace gw
