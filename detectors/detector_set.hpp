#pragma once
// All sensor detectors of a configuration, with samples routed by point id.
// The daemon feeds it live samples (and a tick about once a second);
// `gatewayctl replay` and gw-eval feed it a recorded trace. Pure.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "detector.hpp"

namespace gw::detectors {

// The time now on both clocks: the daemon's ticks carry it, so a wall clock
// step is measured (against monotonic time) rather than guessed.
struct TickTime {
    int64_t wall_ms = 0;
    int64_t mono_ms = 0;
};

class DetectorSet {
  public:
    // Builds every sensor detector in `configs`; vision kinds are listed in
    // skipped() for the vision pipeline. Fails on the first detector that cannot be built.
    static Result<DetectorSet> build(const std::vector<DetectorConfig>& configs,
                                     EventIdSource& ids);

    // Routes the sample to the detectors that use its point; false if none does.
    bool on_sample(const Sample& sample, std::vector<Event>& out);
    void on_tick(int64_t t_ms, std::vector<Event>& out);
    // The daemon's: a tick at `now`, and a batch of samples (one device's
    // turn) judged as a whole at `now`. A step of the wall clock either way
    // is measured against monotonic time and taken out, so the detectors'
    // time moves as monotonic time does: a step forward (NTP setting right
    // a gateway that booted without a real-time clock) ended every running
    // hold at once and raised sensor_silent for every input.
    void on_tick(const TickTime& now, std::vector<Event>& out);
    void on_samples(const std::vector<Sample>& batch, const TickTime& now, std::vector<Event>& out);
    bool uses(const std::string& point) const { return routes_.count(point) > 0; }
    size_t size() const { return detectors_.size(); }
    const std::vector<std::string>& skipped() const { return skipped_; }

  private:
    // Detectors count holds and silences on the times they are given, and
    // time never runs back inside them: a step back of the wall clock (NTP
    // setting right a gateway that booted ahead, a technician's `date`)
    // froze every one of them until the clock caught up again, so nothing
    // was raised for as long as the step. The set hands them a time that
    // never steps back: the size of each step back is added to later times
    // (skew_), and taken off again on the events, which carry wall times.
    // may_step: t_ms is the time now (a tick), not when a sample was read.
    int64_t inward(int64_t t_ms, bool may_step);
    void outward(std::vector<Event>& out, size_t from) const;
    // Measures a step since the last TickTime into skew_, and moves latest_
    // to now.
    void note_time(const TickTime& now);

    int64_t skew_ = 0;
    std::optional<int64_t> latest_;     // the latest time handed in, skewed
    std::optional<TickTime> last_now_;  // set once the daemon's times come in
    std::vector<std::unique_ptr<Detector>> detectors_;
    std::map<std::string, std::vector<Detector*>> routes_;  // point -> detectors
    std::vector<std::string> skipped_;
};

}  // namespace gw::detectors
