#pragma once
// Keeps the latest frame of every camera (for snapshots and the selftest)
// and hands each frame on to the camera's vision detectors, on the camera's
// own thread, so a slow camera only ever slows itself.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "drivers/camera/frame_sink.hpp"

namespace gw {

class FrameKeeper final : public camera::FrameSink {
  public:
    using Next = std::function<void(const camera::Frame&)>;
    explicit FrameKeeper(Next next = {}) : next_(std::move(next)) {}

    void on_frame(const camera::Frame& frame) override;
    // A copy of the latest frame of `camera` (empty image if none yet).
    camera::Frame latest(const std::string& camera) const;

  private:
    Next next_;
    mutable std::mutex mutex_;
    std::map<std::string, camera::Frame> latest_;
};

}  // namespace gw
