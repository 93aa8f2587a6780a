#pragma once
// Pure camera-fault logic, fed frame by frame with their monotonic times
// (Clock::mono_ms): a frozen image (frames identical for frozen_ms) and a
// covered or black lens (a uniform or dark image for covered_ms). No clock,
// no capture: unit-tested on synthetic frames.
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace gw::camera {

struct HealthSettings {
    int64_t frozen_ms = 10000;
    int64_t covered_ms = 10000;
    double dark_mean = 15.0;      // grey level below which the image is black
    double uniform_stddev = 4.0;  // grey spread below which the image is featureless
    double identical_max = 1.0;   // max per-pixel difference still "identical"
    // A fault clears once its condition has been gone this long: a headlight
    // sweeping a covered lens, or one glitched frame of a frozen stream,
    // cleared it at once and it was raised again frozen_ms later, a pair of
    // events for the center every few seconds.
    int64_t clear_ms = 3000;
};

struct HealthChange {
    std::string type;      // "frozen" | "covered"
    bool raised = false;   // true: the fault began; false: it cleared
    int64_t since_ms = 0;  // when the condition started (raise) or went (clear)
    double mean = 0.0;     // grey mean and spread of the frame, for the event
    double stddev = 0.0;
};

class CameraHealth {
  public:
    explicit CameraHealth(HealthSettings s) : s_(s) {}
    std::vector<HealthChange> update(const cv::Mat& bgr, int64_t t_ms);
    bool frozen() const { return frozen_.active; }
    bool covered() const { return covered_.active; }
    // No reset on a reconnect: a camera that comes back with the same still
    // picture is still frozen.

  private:
    // One fault's timing: since when its condition holds, since when it is
    // gone (while raised), and whether it is raised.
    struct Fault {
        int64_t since = -1;
        int64_t gone_since = -1;
        bool active = false;
    };
    struct Frame {
        int64_t t_ms = 0;
        double mean = 0, stddev = 0;
    };
    void track(bool condition, Fault& f, int64_t raise_after_ms, const char* type, Fault& other,
               const char* other_type, const Frame& frame,
               std::vector<HealthChange>& changes) const;
    static void end(Fault& f, const char* type, const Frame& frame,
                    std::vector<HealthChange>& changes);

    HealthSettings s_;
    cv::Mat previous_;
    Fault frozen_, covered_;
};

}  // namespace gw::camera
