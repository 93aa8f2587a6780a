#pragma once
// Health of one detector input (a role mapped to a point): silence, values
// out of range and stuck readings are sensor faults, reported as their own
// incidents (types sensor_silent, sensor_out_of_range, sensor_stuck) and
// never as the quantity the sensor measures. A reading outside the input's
// valid range, NaN or infinite, or marked `out_of_range` by its driver, is a
// faulty sensor talking: it ends silence and is never used. A `stale` or
// `comm_fail` sample carries no information: it does not end silence. A
// `comm_fail` (the driver has given up on the device, past the few polls it
// reports `stale` with the last value) also ends the last reading's
// standing: a lift's last snapshot must not raise a critical fault half a
// minute after the controller stopped answering.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "config/detector_config.hpp"
#include "incident.hpp"

namespace gw::detectors {

// Feeds `tracker` an observation that is built only when the tracker could
// move: formatting messages and JSON details on every tick would be most of a
// detector's work, and nearly always for nothing.
template <typename Build>
void observe_lazily(IncidentTracker& tracker, int64_t t_ms, std::optional<Severity> severity,
                    Build build, std::vector<Event>& out) {
    static const Observation kNothing;  // immutable, shared: saves an allocation per call
    std::optional<Event> e;
    if (!severity && !tracker.active()) {
        e = tracker.observe(t_ms, kNothing);
    } else {
        Observation o = build();
        o.severity = severity;
        e = tracker.observe(t_ms, o);
    }
    if (e) out.push_back(std::move(*e));
}

struct InputHealthSpec {
    std::string detector;
    std::string kind;
    std::string role;
    std::string point;
    int64_t silent_ms = 300'000;  // no reading this long: silent
    InputRange range;             // valid readings (SensorDetector sets the role's)
    int64_t stuck_ms = 0;         // identical readings this long: stuck (0: never)
    // Only readings at or above this can be stuck: a dry road legitimately
    // reads the same 0 cm for days, standing water always ripples.
    double stuck_min = -std::numeric_limits<double>::infinity();
    int64_t raise_hold_ms = 0;  // out of range this long before raising
    int64_t clear_hold_ms = 0;
};

class InputHealth {
  public:
    InputHealth(InputHealthSpec spec, EventIdSource& ids);

    // Returns the reading when it can be used (good quality, in range).
    std::optional<double> on_sample(const Sample& s, std::vector<Event>& out);
    void on_tick(int64_t t_ms, std::vector<Event>& out);
    // The last reading is recent, in range and not stuck, and the driver
    // has not lost the device since.
    bool trusted(int64_t t_ms) const;
    const InputHealthSpec& spec() const { return spec_; }

  private:
    bool silent(int64_t t_ms) const;
    bool stuck(int64_t t_ms) const;
    void evaluate(int64_t t_ms, std::vector<Event>& out);
    Observation fault(double value, const std::string& what) const;
    Observation range_fault() const;

    InputHealthSpec spec_;
    IncidentTracker silent_;
    IncidentTracker range_;
    IncidentTracker stuck_;
    std::optional<int64_t> start_;       // first time seen: silence counts from here
    std::optional<int64_t> last_heard_;  // last reading, in range or not
    bool out_of_range_ = false;
    bool lost_ = false;                  // comm_fail since the last reading
    double last_value_ = 0;              // the last reading, in range or not
    std::optional<double> stuck_value_;  // value held since stuck_since_
    int64_t stuck_since_ = 0;
};

}  // namespace gw::detectors
