#include "frame_pacer.hpp"

#include <algorithm>
#include <cmath>

namespace gw::camera {

namespace {

// The config's floor; a lower (or broken) rate from the owner counts as this.
constexpr double kMinFps = 0.1;

}  // namespace

int64_t FramePacer::period_ms() const {
    return static_cast<int64_t>(1000.0 / std::max(kMinFps, fps_()));
}

void FramePacer::start(int64_t now, bool file, double file_fps) {
    file_ = file;
    file_period_ms_ = file && file_fps > 0 && file_fps < 1000 ? std::llround(1000.0 / file_fps) : 0;
    next_slot_ = std::max(next_slot_, now);  // a file's loop keeps the camera's rate
    next_file_frame_ = now;
}

bool FramePacer::take(int64_t now) {
    const int64_t period = period_ms();
    if (file_) next_file_frame_ += file_period_ms_ > 0 ? file_period_ms_ : period;
    const int64_t early_ok = period / 5;
    if (now + early_ok < next_slot_) return false;
    next_slot_ = std::max(next_slot_ + period, now - early_ok);
    return true;
}

}  // namespace gw::camera
