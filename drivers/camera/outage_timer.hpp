#pragma once
// When a camera that fails is reported offline. Pure: times are monotonic
// milliseconds from the one Clock (Clock::mono_ms); unit tests give numbers.
//
// A camera that has not played since the driver started is reported at its
// first failure: a technician installing it wants to know at once. One that
// played is given kGraceMs to come back first: a network glitch or a stream
// server restart of a second or two was an offline incident of 30 s at the
// center (its clear waits for the stream to stay up kSteadyMs). A stream
// that comes back and breaks again before it is steady is judged from its
// first break, so a flapping camera is still reported, kGraceMs after.
#include <cstdint>
#include <optional>

namespace gw::camera {

class OutageTimer {
  public:
    static constexpr int64_t kGraceMs = 10'000;

    // A frame came.
    void played() { played_ = true; }
    // The stream stayed up long enough to count as back: a later failure
    // starts a new outage.
    void steady() { lost_since_.reset(); }
    // An open or the stream failed at `now`: whether to report it now.
    bool failed(int64_t now) {
        if (!played_) return true;
        if (!lost_since_) lost_since_ = now;
        return now - *lost_since_ >= kGraceMs;
    }
    // When an outage not reported yet is to be, if the camera is not back.
    std::optional<int64_t> report_due() const {
        if (!lost_since_) return std::nullopt;
        return *lost_since_ + kGraceMs;
    }

  private:
    bool played_ = false;
    std::optional<int64_t> lost_since_;
};

}  // namespace gw::camera
