#pragma once
// Pure frame pacing of one camera, on monotonic milliseconds from the one
// Clock (Clock::mono_ms): which frames take a slot at the camera's rate and
// which are dropped, and when a file's next frame would arrive from a real
// camera. The capture thread sleeps until due() and asks take(); unit tests
// drive it with ManualClock.
#include <cstdint>
#include <functional>

namespace gw::camera {

class FramePacer {
  public:
    // The camera's rate in frames per second, asked every time the next slot
    // is computed (never cached): an owner that changes it at runtime (the
    // emergency mode, issue 13) is followed at once: the next slot moves to
    // the last one plus the period the camera has now.
    using Fps = std::function<double()>;
    explicit FramePacer(Fps fps) : fps_(std::move(fps)) {}

    // A new stream starts at `now`; its first frame takes a slot at once,
    // unless the stream before took its last less than a period ago (a
    // file's loop, reopened at once): the camera's rate holds across it.
    // A file (`file`) plays in real time at its own rate `file_fps` (0 or
    // implausible: unknown, the camera's rate stands in), as a camera would
    // deliver it, rather than as fast as it can be decoded.
    void start(int64_t now, bool file, double file_fps);
    // When the frame just read may be looked at: a file's frame when it
    // would have arrived; a live frame at once.
    int64_t due() const { return file_ ? next_file_frame_ : 0; }
    // The frame just read is looked at `now`: true when it takes the
    // camera's next slot, false when it came faster than the camera's rate
    // (dropped). A frame a little early (a fifth of a period) still counts.
    bool take(int64_t now);

    int64_t period_ms() const;

  private:
    // The next slot, at the period the camera has now.
    int64_t slot(int64_t period) const;

    Fps fps_;
    bool file_ = false;
    int64_t file_period_ms_ = 0;  // 0: the camera's period
    int64_t next_slot_ = 0;
    int64_t planned_period_ = 0;  // the period next_slot_ was planned with (0: take it as is)
    int64_t next_file_frame_ = 0;
};

}  // namespace gw::camera
