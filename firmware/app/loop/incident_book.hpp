#pragma once
// The closed loop of an incident (issue 13): found (a detector raises it),
// reported (the event), re-sent while nobody acknowledges it, escalated when
// that lasts, acknowledged by the center (ack), closed by its clear.
// Notices and warnings are followed without re-sends: acknowledged, and
// closed after a restart if their detector does not raise them again.
//
// Pure: time from the one Clock (wall ms, since the state outlives a boot),
// state in a StateTable (the store's file in the gateway). Fed every event
// twice by the intake: adopt() before it is encoded (it may rewrite it),
// record() once it is stored. The events the book itself wants sent (re-sent
// updates, escalations, acks, closes after a restart) are returned to the
// caller, which stores them through the intake like any other; nothing here
// calls back into the intake, so no lock is held across it. Thread-safe.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/log_throttle.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "state_table.hpp"

namespace gw::loop {

// Made by book_settings() from the config's [incidents], which holds the
// defaults. Left as built here, nothing is re-sent or escalated.
struct BookSettings {
    Severity min_severity{};  // at or above: re-sent and escalated
    // At or above (and below min_severity): followed only, so that an ack
    // works and a restart does not leave them open at the center for ever.
    Severity follow_severity = Severity::notice;
    int64_t renotify_ms = 0;        // 0: never re-sent
    int64_t escalate_after_ms = 0;  // 0: never escalated
    int64_t restart_grace_ms = 0;   // 0: closed at the first tick after a restart
    // How long after a restart the detector may need before it raises an
    // incident of this type again (ms; DetectorSettings::seen_again_within_s):
    // added to restart_grace_ms for that incident. Unset: 0 for every one.
    std::function<int64_t(const std::string& detector, const std::string& type)> seen_again_ms;
    // The gateway's site and id. An incident opened under another (the
    // gateway was re-provisioned: moved, or given a new id) is about a place
    // this gateway no longer watches: closed at once, never continued.
    Origin origin;
};

struct Incident {
    std::string id;  // the incident id the center knows
    std::string detector, kind, type;
    // Current: the detector's latest; once escalated, one step above the
    // severity it then had, and never below that again.
    Severity severity = Severity::alarm;
    // What its detector last found (below `severity` once escalated): what
    // a raise after a restart is compared with (ClosedLoop's rules).
    Severity found = Severity::alarm;
    int64_t raised_ms = 0;  // wall ms when tracking began
    // Re-sent and escalated (it reached min_severity; it stays so), and
    // since when: what "unacknowledged for" counts from.
    bool due = true;
    int64_t due_ms = 0;
    int64_t last_notified_ms = 0;  // wall ms of the last event of it sent
    // The same two moments on the monotonic clock, which the ages deciding
    // re-sends and escalation are measured on: a gateway without an RTC
    // boots hours behind and NTP steps its wall clock later, which must not
    // make every incident overdue at once. Not stored: at load they are
    // derived from the wall times.
    int64_t due_mono = 0;
    int64_t notified_mono = 0;
    int renotify = 0;
    bool escalated = false;
    std::optional<std::string> acked_by, ack_note;
    int64_t acked_ms = 0;
    // False after a restart until its detector raises it again.
    bool confirmed = true;
    // Its "not seen since restart" clear is made (tick) and on its way to
    // the store: a raise now starts a new incident instead of continuing
    // this one, which the stored clear then closes. In memory only.
    bool closing = false;
    // Its detector's clear, which the store refused (its alarm lane full):
    // made again at every tick until stored, and nothing else is sent of
    // it meanwhile. The detector has moved on and will not clear it again;
    // without this the incident stayed open, re-sent and escalated, until
    // a restart. In memory only: after a restart the grace closes it.
    std::optional<Event> refused_clear;
    // Acknowledged, and the update saying so was refused by the store (its
    // alarm lane full): made again at every tick until one carrying
    // `acked_by` is stored. The ack stopped re-sends and escalation, so
    // without this the center never heard of it. In memory only: after a
    // restart the incident's next update carries the ack.
    bool ack_unsent = false;
    // The last detector event's own fields: what a re-sent update repeats.
    double value = 0.0;
    std::string unit, message;
    nlohmann::json details = nlohmann::json::object();
    // Ids that name it too: its events' ids (the most recent, bounded) and
    // the incident ids its detector used after a restart.
    std::deque<std::string> event_ids;
    std::vector<std::string> aliases;
    // The site and id the gateway had when it opened the incident.
    Origin origin;
    // Recorded before the event that opens it was stored (adopt()): loaded
    // so after a restart, the center may never have had that event, so it
    // is not continued by the detector's next raise (an update of an
    // incident the center does not know); closed after the grace instead.
    bool opening = false;
};

struct AckOutcome {
    std::string incident;
    bool already = false;         // acked before: nothing new to send
    std::optional<Event> update;  // the acknowledged state, to store and send
};

class IncidentBook {
  public:
    IncidentBook(BookSettings settings, StateTable& table, const Clock& clock, Log& log);

    // Reads the open incidents of earlier boots: each is unconfirmed until
    // its detector raises it again within restart_grace_ms; one opened
    // under another origin is closed at the first tick.
    Status load();

    // Before an event is stored: a raise of an unconfirmed incident's
    // (detector, type) becomes an update of it; events under an alias get
    // the incident id; updates of a tracked incident carry its ack state,
    // escalation and (if higher) its escalated severity. An event that
    // opens an incident has its record made now, so that a restart before
    // record() does not lose it (it loads unconfirmed). True when `e`
    // continues an incident after a restart at no worse a severity than it
    // had: no new finding, for the emergency rules.
    bool adopt(Event& e);
    // After it is stored: starts, follows or closes incidents.
    void record(const Event& e);
    // After adopt(), when the store refused it: a detector's clear is kept
    // to be made again (Incident::refused_clear), and so is a detector's
    // raise or update (refused_); the record of an incident it would have
    // opened goes; the book's own events come again at the next tick anyway.
    void refused(const Event& e, bool continued = false);
    // Whether `e`, made by tick() from a refused raise or update, still
    // waits to be stored: a newer event of its incident (or one stored
    // meanwhile) makes it stale, and a stale copy stored after its clear
    // opened an incident nothing closed.
    bool still_refused(const Event& e) const;
    // Whether `e`, an event of the book's own tick() made, is still news
    // after the events stored before it in its batch (each waits for a
    // commit): its incident is open, and for a re-send or an escalation
    // nobody acknowledged it since, for an ack's update none was stored.
    bool still_news(const Event& e) const;
    // What is due at the Clock's now: detectors' raises and updates the
    // store refused, re-sent updates, escalations, and clears of incidents
    // not confirmed since a restart or refused. Store
    // each; the book changes only when record() takes in the stored event,
    // so one the store refused comes again at the next tick.
    // `link_down`: the uplink has no broker. No re-send is made then: the
    // center has not had the last one, and each would only queue behind it
    // (a day offline queued 288 per incident at renotify_s = 300).
    // Escalations and closes are still made. (Not "the store holds alarm
    // rows": a row the broker refuses is parked in the store for good.)
    std::vector<Event> tick(bool link_down = false);

    // By incident id or the id of any of its events. Unknown or closed: error.
    Result<AckOutcome> ack(const std::string& id, const std::string& by, const std::string& note);
    // The store refused the update ack() made: tick() makes it again.
    void ack_update_refused(const std::string& incident);

    std::vector<Incident> open() const;
    // Whether an open incident has this incident id or event id.
    bool is_open(const std::string& id) const;

  private:
    const Incident* find(const std::string& id) const;
    Incident* find(const std::string& id) {
        return const_cast<Incident*>(std::as_const(*this).find(id));
    }
    Incident* unconfirmed(const std::string& detector, const std::string& type);
    int64_t grace_ms(const Incident& inc) const;
    Incident* open_of(const std::string& detector, const std::string& type);
    Event update_of(const Incident& inc) const;
    Event ack_update_of(const Incident& inc) const;
    // Opened under another identity than the gateway has now.
    bool foreign(const Incident& inc) const { return inc.origin != settings_.origin; }
    Event closing(const Incident& inc) const;
    bool tracked(const Event& e) const;
    bool opens_incident(const Event& e) const;
    Incident opened(const Event& e);  // the record an event opens
    void save_opening(const Event& e);
    bool settle_opening(const std::string& id);
    void start(const Event& e);
    void make_due(Incident& inc);
    void notified(Incident& inc);  // an event of it was sent now
    void bound_followed();
    void close(const std::string& id);
    // Out of the table and the open map (close() and letting go).
    void drop(const std::string& id, const char* when);
    bool was_closed(const std::string& id) const;
    void save(const Incident& inc);
    void note_event(Incident& inc, const std::string& event_id);
    void keep_refused(const Event& e, bool continued);
    // A newer detector event takes a waiting one's place; true when `e` is
    // the waiting one made again, and it was no new finding.
    bool supersede_refused(Event& e);

    BookSettings settings_;
    StateTable& table_;
    const Clock& clock_;
    Log& log_;
    mutable std::mutex mutex_;
    std::map<std::string, Incident> open_;  // by incident id
    std::deque<std::string> closed_;        // recently closed incident and event ids
    // Incident ids of events save_opening() recorded, not yet stored or
    // refused: how many.
    std::map<std::string, int> openings_;
    // A detector's raise or update the store refused (its alarm lane full),
    // newest per incident id: made again at every tick until stored. The
    // detector has moved on and will not send it again: without this a
    // refused raise never reached the center, and a refused update left it
    // at the old severity (neither re-sent nor escalated as the new one).
    // In memory only: after a restart the detector raises what still holds.
    struct Waiting {
        Event event;
        bool continued = false;  // adopt() found it no new finding
    };
    std::map<std::string, Waiting> refused_;
    int64_t loaded_mono_ = 0;  // when load() ran; monotonic: see Incident::due_mono
    // A full disk fails every save, two per alarm that opens an incident.
    LogThrottle save_failures_;
};

// The book's record of an incident, as stored in its StateTable.
nlohmann::json incident_json(const Incident& inc);
std::optional<Incident> incident_from_json(const nlohmann::json& j);

}  // namespace gw::loop
