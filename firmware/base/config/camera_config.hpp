#pragma once
// A [[cameras]] entry: what the camera driver takes.
#include <string>

namespace gw {

struct CameraConfig {
    std::string id;
    std::string url;  // file path, rtsp://..., or /dev/videoN
    double fps = 5.0;
    int width = 0;  // 0: keep the camera's size
    int height = 0;
    int reconnect_max_ms = 30000;
    int frozen_ms = 10000;  // identical frames this long: camera fault
};

}  // namespace gw
