#pragma once
// The interface every sensor detector implements, and the factory that builds
// one from a validated [[detectors]] entry. The daemon, `gatewayctl replay`,
// gw-eval and the tests build detectors only through make_sensor_detector
// (DetectorSet uses it), so a site behaves the same live and offline.
//
// Pure: no clock, file or socket. Time comes with the samples (on_sample) and
// with on_tick, which the caller drives with sample/trace time so that silence
// and hold expiry are noticed even when no sample arrives.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/detector_config.hpp"
#include "core/event_id.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace gw::detectors {

class Detector {
  public:
    virtual ~Detector() = default;
    virtual const std::string& id() const = 0;
    // Point ids this detector consumes; the caller routes only these samples.
    virtual std::vector<std::string> points() const = 0;
    // One sample of a point in points(). Samples whose quality is not `good`
    // carry no information (they count toward silence and sensor faults).
    // Samples with the same t_ms form one snapshot, judged together when time
    // moves on: at the next later sample or at on_tick(t >= t_ms).
    virtual void on_sample(const Sample& sample, std::vector<Event>& out) = 0;
    // Time passes (call about once per second of sample time, and after a
    // batch of samples to have them judged at once). Earlier times are ignored.
    virtual void on_tick(int64_t t_ms, std::vector<Event>& out) = 0;
};

// True for the kinds make_sensor_detector builds (flood, fire, elevator);
// vision kinds (crowd, video_fire) are built by the vision pipeline.
bool is_sensor_kind(const std::string& kind);

// Builds the detector for `config` through its kind (detectors/kinds.hpp):
// inputs role -> point, settings as the loader read them from params. `ids`
// must outlive the detector.
Result<std::unique_ptr<Detector>> make_sensor_detector(const DetectorConfig& config,
                                                       EventIdSource& ids);

}  // namespace gw::detectors
