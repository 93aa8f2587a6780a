#pragma once
// The value types that flow through the gateway: samples from drivers,
// events from detectors. Plain data, cheap to copy, no behaviour beyond naming.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "enum_names.hpp"

namespace gw {

// How far a sample can be trusted. Detectors treat anything but `good` as
// "no information", never as a reading.
enum class Quality { good, stale, comm_fail, out_of_range };

struct Sample {
    std::string point;
    double value = 0.0;
    Quality quality = Quality::good;
    int64_t t_ms = 0;  // UTC milliseconds (from the one Clock)
};

// The value of an event that measures nothing (a mode change, a test
// event): the contract's `value: null`, which the encoder writes for NaN.
constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

// Ordered: a higher value is more urgent. The store and uplink use this order.
enum class Severity { info, notice, warning, alarm, critical };
inline constexpr EnumNames<Severity, 5> kSeverityNames{{
    {Severity::info, "info"},
    {Severity::notice, "notice"},
    {Severity::warning, "warning"},
    {Severity::alarm, "alarm"},
    {Severity::critical, "critical"},
}};

// An incident's lifecycle as the center sees it.
enum class EventState { raise, update, clear };
inline constexpr EnumNames<EventState, 3> kEventStateNames{{
    {EventState::raise, "raise"},
    {EventState::update, "update"},
    {EventState::clear, "clear"},
}};

// Who made a message: the gateway's configured site and id. In every
// payload, so a message is self-describing off its topic.
struct Origin {
    std::string site;
    std::string gateway;
    bool operator==(const Origin& o) const { return site == o.site && gateway == o.gateway; }
    bool operator!=(const Origin& o) const { return !(*this == o); }
};

struct Event {
    std::string id;        // unique per message (EventIdSource)
    std::string incident;  // id of the raise event: stable for the whole incident
    std::string detector;  // configured detector (or subsystem) instance id
    std::string kind;      // flood | fire | elevator | crowd | camera | device | store | system
    std::string type;      // e.g. water_depth, entrapment, store_recovered
    Severity severity = Severity::info;
    EventState state = EventState::raise;
    int64_t t_ms = 0;
    double value = 0.0;
    std::string unit;
    std::string message;
    nlohmann::json details = nlohmann::json::object();
    std::optional<std::string> evidence;  // id of an evidence image, if any
    // The incident book's state of the incident (issue 13), on the updates
    // it sends: who acknowledged it and why, how often it was re-sent
    // unacknowledged, and whether it was escalated for it.
    std::optional<std::string> acked_by;
    std::optional<std::string> ack_note;
    std::optional<int> renotify;
    bool escalated = false;
    // Set by the incident book when it raised a detector's update of an
    // escalated incident to the escalated severity: the severity the
    // detector found. The emergency rules answer to it (an incident nobody
    // acknowledged is no more severe a finding). Not part of the contract.
    std::optional<Severity> found_severity;
    // Set only on the close of an incident a re-provisioned gateway opened
    // under its earlier site or id: the identity the incident belongs to,
    // which the encoder names instead of the gateway's own.
    std::optional<Origin> origin;
    // A report with no lifecycle (a mode change, a test event, a snapshot,
    // the store's own reports): never updated or cleared, so never shown as
    // active and not followed. Not part of the contract: never encoded.
    bool one_shot = false;
    // Repeats an open incident's state, not a detector's new finding: the
    // incident book's re-sends, escalations and ack updates, and a camera's
    // fresh evidence in emergency mode. The mode rules and the book's own
    // record skip it. Not part of the contract: never encoded.
    bool repeats_incident = false;

    // The incident this event is of: its own id when it names none (a raise).
    const std::string& incident_id() const { return incident.empty() ? id : incident; }
};

std::string_view to_string(Quality q);
std::string_view to_string(Severity s);
std::string_view to_string(EventState s);
std::optional<Quality> quality_from_string(std::string_view s);
std::optional<Severity> severity_from_string(std::string_view s);
std::optional<EventState> event_state_from_string(std::string_view s);

}  // namespace gw
