#pragma once
// One incident's lifecycle, shared by every detector so that all of them
// behave the same way for the center:
//   raise   when a condition has held for `raise_hold_ms`;
//   update  at once when it gets worse (escalation must never wait), and
//           after `clear_hold_ms` when it gets better (no flapping down/up);
//   clear   when no condition has been seen for `clear_hold_ms`.
// A spell when the condition cannot be judged (its input faulty or lost)
// moves nothing: see unknown().
// Every event of one incident carries the raise event's id as `incident`.
// Pure: time comes from the caller (sample or frame timestamps).
#include <cstdint>
#include <optional>
#include <string>

#include "core/event_id.hpp"
#include "core/types.hpp"

namespace gw::detectors {

struct IncidentSpec {
    std::string detector;  // configured detector id
    std::string kind;      // flood | fire | elevator | crowd ...
    std::string type;      // water_depth, entrapment, ...
    std::string unit;
    int64_t raise_hold_ms = 0;
    int64_t clear_hold_ms = 0;
};

// What the detector sees right now: a severity (or none) with the value and
// a human message that explains it.
struct Observation {
    std::optional<Severity> severity;
    double value = 0.0;
    std::string message;
    nlohmann::json details = nlohmann::json::object();
};

class IncidentTracker {
  public:
    IncidentTracker(IncidentSpec spec, EventIdSource& ids) : spec_(std::move(spec)), ids_(&ids) {}

    // Feeds one observation; returns the event to report, if the lifecycle moved.
    std::optional<Event> observe(int64_t t_ms, const Observation& obs);
    // The condition cannot be judged now: an input it needs is faulty or
    // lost. A raised incident stays as it is. A spell shorter than the clear
    // hold is a glitch, and a hold under way goes on: restarting it, one bad
    // reading every 30 s kept a real entrapment from ever being raised. A
    // longer spell ends the hold: what happened meanwhile is unknown, and
    // neither a raise nor a clear may complete on the first reading after it.
    void unknown(int64_t t_ms);

    bool active() const { return active_.has_value(); }
    const IncidentSpec& spec() const { return spec_; }

  private:
    Event make(int64_t t_ms, EventState state, Severity sev, const Observation& obs);
    std::optional<Event> while_inactive(int64_t t_ms, const Observation& obs);
    std::optional<Event> while_active(int64_t t_ms, const Observation& obs);

    IncidentSpec spec_;
    EventIdSource* ids_;
    std::optional<Severity> active_;        // reported severity while active
    std::optional<int64_t> pending_since_;  // condition seen, raise hold running
    std::optional<int64_t> lower_since_;    // better (or gone) since, clear hold running
    std::optional<Severity> lowest_seen_;   // worst severity seen during the lower period
    std::optional<int64_t> unknown_since_;  // cannot be judged since
    std::string incident_;
};

// Severity bands over a value with hysteresis: a band is entered when the
// value reaches its threshold and left only when the value falls `margin`
// below it, so noise around a threshold cannot flap the level. The
// hysteresis holds only while the band's incident is active: before, one
// spike would hold the band while the value hovered just under its
// threshold, and the raise hold would count that instead of the value.
// And only for a band the value has held for `hold_ms` (the incident's
// raise hold): one splash over a higher level escalates at once, as any
// rise does, but held that band while the water stayed within the margin
// under it (critical for hours over one reading of 51 cm at 48 cm).
class LevelBands {
  public:
    // thresholds ascending; severities[i] applies at or above thresholds[i].
    LevelBands(std::vector<double> thresholds, std::vector<Severity> severities, double margin,
               int64_t hold_ms = 0)
        : thresholds_(std::move(thresholds)),
          severities_(std::move(severities)),
          margin_(margin),
          hold_ms_(hold_ms),
          above_since_(thresholds_.size()),
          held_(thresholds_.size(), false) {}

    // incident_active: whether the incident these bands grade is raised.
    std::optional<Severity> classify(double value, bool incident_active, int64_t t_ms);
    void reset();
    // The next threshold above the current band, if any (for time-to-level estimates).
    std::optional<double> next_threshold() const;

  private:
    void note_held(double value, int64_t t_ms);

    std::vector<double> thresholds_;
    std::vector<Severity> severities_;
    double margin_;
    int64_t hold_ms_;
    int band_ = -1;                                    // index of the current band, -1: below all
    std::vector<std::optional<int64_t>> above_since_;  // per band: at or above its level since
    std::vector<bool> held_;  // per band: held hold_ms, not left by the margin since
};

}  // namespace gw::detectors
