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

// Planned with the period of the frame that took the last slot; a rate
// changed since (the emergency mode) moves it at once: a camera at 0.1
// frames/s switched to emergency waited up to 10 s for the slot planned
// at the normal rate.
int64_t FramePacer::slot(int64_t period) const {
    return planned_period_ > 0 ? next_slot_ - planned_period_ + period : next_slot_;
}

void FramePacer::start(int64_t now, bool file, double file_fps) {
    file_ = file;
    file_period_ms_ = file && file_fps > 0 && file_fps < 1000 ? std::llround(1000.0 / file_fps) : 0;
    if (slot(period_ms()) < now) {  // a file's loop keeps the camera's rate
        next_slot_ = now;
        planned_period_ = 0;
    }
    next_file_frame_ = now;
}

bool FramePacer::take(int64_t now) {
    const int64_t period = period_ms();
    if (file_) next_file_frame_ += file_period_ms_ > 0 ? file_period_ms_ : period;
    const int64_t early_ok = period / 5;
    const int64_t due = slot(period);
    if (now + early_ok < due) return false;
    next_slot_ = std::max(due + period, now - early_ok);
    planned_period_ = period;
    return true;
}

}  // namespace gw::camera
