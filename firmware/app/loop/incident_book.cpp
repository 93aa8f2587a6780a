#include "incident_book.hpp"

#include <algorithm>

namespace gw::loop {
namespace {

using nlohmann::json;

// Ids kept per incident for "ack by any event id", and closed ids kept to
// tell "closed" from "unknown": bounded whatever the incident's length.
constexpr size_t kEventIdsKept = 64;
constexpr size_t kClosedKept = 1024;
// Followed (not due) incidents kept at most: a flood of injected or
// never-cleared warnings must not grow the book without end.
constexpr size_t kFollowedKept = 256;

Severity one_step_up(Severity s) {
    return s == Severity::critical ? s : static_cast<Severity>(static_cast<int>(s) + 1);
}

Severity one_step_down(Severity s) {
    return s == Severity::info ? s : static_cast<Severity>(static_cast<int>(s) - 1);
}

template <typename T>
std::optional<T> opt(const json& j, const char* key) {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    return j[key].get<T>();
}

constexpr const char* kUnackedPrefix = "unacknowledged for ";
constexpr const char* kAckedPrefix = "acknowledged by ";

}  // namespace

json incident_json(const Incident& inc) {
    json j = {{"id", inc.id},
              {"detector", inc.detector},
              {"kind", inc.kind},
              {"type", inc.type},
              {"severity", std::string(to_string(inc.severity))},
              {"found", std::string(to_string(inc.found))},
              {"raised_ms", inc.raised_ms},
              {"due", inc.due},
              {"due_ms", inc.due_ms},
              {"last_notified_ms", inc.last_notified_ms},
              {"renotify", inc.renotify},
              {"escalated", inc.escalated},
              {"acked_by", inc.acked_by ? json(*inc.acked_by) : json(nullptr)},
              {"ack_note", inc.ack_note ? json(*inc.ack_note) : json(nullptr)},
              {"acked_ms", inc.acked_ms},
              {"value", inc.value},
              {"unit", inc.unit},
              {"message", inc.message},
              {"details", inc.details},
              {"event_ids", inc.event_ids},
              {"aliases", inc.aliases},
              {"site", inc.origin.site},
              {"gateway", inc.origin.gateway}};
    if (inc.opening) j["opening"] = true;
    return j;
}

std::optional<Incident> incident_from_json(const json& j) {
    try {
        Incident inc;
        inc.id = j.at("id").get<std::string>();
        inc.detector = j.at("detector").get<std::string>();
        inc.kind = j.at("kind").get<std::string>();
        inc.type = j.at("type").get<std::string>();
        auto sev = severity_from_string(j.at("severity").get<std::string>());
        if (!sev) return std::nullopt;
        inc.severity = *sev;
        inc.raised_ms = j.at("raised_ms").get<int64_t>();
        // Records of earlier versions hold due incidents only.
        inc.due = j.value("due", true);
        inc.due_ms = j.value("due_ms", inc.raised_ms);
        inc.last_notified_ms = j.at("last_notified_ms").get<int64_t>();
        inc.renotify = j.at("renotify").get<int>();
        inc.escalated = j.at("escalated").get<bool>();
        // Records of earlier versions: an escalation was one step up.
        auto found = severity_from_string(j.value("found", std::string()));
        inc.found = found ? *found : inc.escalated ? one_step_down(inc.severity) : inc.severity;
        inc.acked_by = opt<std::string>(j, "acked_by");
        inc.ack_note = opt<std::string>(j, "ack_note");
        inc.acked_ms = j.value("acked_ms", int64_t{0});
        // NaN (an event that measures nothing) is stored as null.
        inc.value =
            j.contains("value") && j["value"].is_number() ? j["value"].get<double>() : kNoValue;
        inc.unit = j.value("unit", std::string());
        inc.message = j.value("message", std::string());
        inc.details = j.value("details", json::object());
        for (const auto& id : j.value("event_ids", json::array())) inc.event_ids.push_back(id);
        for (const auto& id : j.value("aliases", json::array())) inc.aliases.push_back(id);
        // Records of earlier versions name no origin: taken as the gateway's.
        inc.origin.site = j.value("site", std::string());
        inc.origin.gateway = j.value("gateway", std::string());
        inc.opening = j.value("opening", false);
        return inc;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

IncidentBook::IncidentBook(BookSettings settings, StateTable& table, const Clock& clock, Log& log)
    : settings_(settings), table_(table), clock_(clock), log_(log) {}

Status IncidentBook::load() {
    auto rows = table_.all();
    if (!rows) return fail("incident book: " + rows.error());
    std::lock_guard<std::mutex> lock(mutex_);
    const int64_t wall = clock_.now_ms(), mono = clock_.mono_ms();
    // A wall time ahead of the clock (it was stepped back) counts as now.
    auto on_mono = [&](int64_t wall_ms) { return mono - std::max<int64_t>(0, wall - wall_ms); };
    for (const auto& [key, value] : *rows) {
        auto j = json::parse(value, nullptr, false);
        auto inc = j.is_discarded() ? std::nullopt : incident_from_json(j);
        if (!inc) {
            log_.warn("incidents", "unreadable incident record dropped", {{"key", key}});
            (void)table_.erase(key);
            continue;
        }
        inc->confirmed = false;
        inc->due_mono = on_mono(inc->due_ms);
        inc->notified_mono = on_mono(inc->last_notified_ms);
        if (inc->origin.site.empty() && inc->origin.gateway.empty()) inc->origin = settings_.origin;
        open_[inc->id] = std::move(*inc);
    }
    loaded_mono_ = mono;
    int64_t longest = 0;
    for (const auto& [_, inc] : open_) longest = std::max(longest, grace_ms(inc));
    if (!open_.empty())
        log_.info("incidents", "open incidents from before the restart",
                  {{"count", open_.size()},
                   {"grace_ms", settings_.restart_grace_ms},
                   {"longest_grace_ms", longest}});
    return Status::success();
}

const Incident* IncidentBook::find(const std::string& id) const {
    if (auto it = open_.find(id); it != open_.end()) return &it->second;
    for (const auto& [_, inc] : open_) {
        if (std::find(inc.aliases.begin(), inc.aliases.end(), id) != inc.aliases.end() ||
            std::find(inc.event_ids.begin(), inc.event_ids.end(), id) != inc.event_ids.end())
            return &inc;
    }
    return nullptr;
}

// The one its detector raised in this run first; one from before a restart
// not raised again (an opening the restart cut short is never continued)
// next; one on its way out (its clear made, or refused and waiting) only
// if there is no other. A camera that raised the same fault again meanwhile
// means the new one, and its clear closed the old one (by the order of
// ids), leaving the new one open, re-sent and escalated.
Incident* IncidentBook::open_of(const std::string& detector, const std::string& type) {
    Incident *unconfirmed = nullptr, *leaving = nullptr;
    for (auto& [_, inc] : open_) {
        if (foreign(inc) || inc.detector != detector || inc.type != type) continue;
        const bool on_its_way_out = inc.closing || inc.refused_clear;
        if (!on_its_way_out && inc.confirmed) return &inc;
        if (!on_its_way_out && !unconfirmed) unconfirmed = &inc;
        if (on_its_way_out && !leaving) leaving = &inc;
    }
    return unconfirmed ? unconfirmed : leaving;
}

// An incident from before a restart is given the time its detector needs
// to see it again (a stuck gauge: stuck_s), then the grace.
int64_t IncidentBook::grace_ms(const Incident& inc) const {
    const int64_t again =
        settings_.seen_again_ms ? settings_.seen_again_ms(inc.detector, inc.type) : 0;
    return settings_.restart_grace_ms + std::max<int64_t>(0, again);
}

Incident* IncidentBook::unconfirmed(const std::string& detector, const std::string& type) {
    for (auto& [_, inc] : open_)
        if (!inc.confirmed && !inc.closing && !inc.opening && !foreign(inc) &&
            inc.detector == detector && inc.type == type)
            return &inc;
    return nullptr;
}

bool IncidentBook::adopt(Event& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    bool continued = supersede_refused(e);
    Incident* inc = nullptr;
    if (e.state == EventState::raise) {
        inc = unconfirmed(e.detector, e.type);
        if (!inc) {
            save_opening(e);
            return continued;
        }
        continued = e.severity <= inc->found;
        // The detector raised it anew after a restart: it continues the
        // incident the center already has (and may have acknowledged).
        inc->aliases.push_back(e.incident);
        inc->confirmed = true;
        e.state = EventState::update;
        e.incident = inc->id;
        e.details["continued_after_restart"] = true;
        save(*inc);
    } else {
        inc = find(e.incident);
        // A source that names no incident on its update or clear (a
        // camera's: the intake gave it its own id) means the open one of
        // its detector and type; naming it lets the book and the center
        // close what the raise opened.
        if (!inc && e.incident == e.id) inc = open_of(e.detector, e.type);
        if (!inc) {
            save_opening(e);
            return continued;
        }
        e.incident = inc->id;
    }
    // Escalated, it keeps the escalated severity (the contract's "later
    // updates keep that severity"); before that, each update says the
    // detector's own, lower too, and a clear the severity it cleared at.
    if (inc->escalated && e.severity < inc->severity) {
        e.found_severity = e.severity;
        e.severity = inc->severity;
    }
    e.escalated = e.escalated || inc->escalated;
    if (inc->acked_by) {
        e.acked_by = inc->acked_by;
        e.ack_note = inc->ack_note;
    }
    return continued;
}

// A detector's newer event of an incident whose refused event waits to be
// made again takes its place. Of a raise the center never had, an update
// becomes that raise (its id, the incident's), with the update's news: an
// update of an incident it does not know would open nothing there. A clear
// goes as it is and says what the incident was. A source that names no
// incident (a camera's clear) means the waiting event of its detector and
// type, as open_of() does for open incidents.
bool IncidentBook::supersede_refused(Event& e) {
    if (e.repeats_incident) return false;
    auto it = refused_.find(e.incident_id());
    if (it == refused_.end() && e.incident == e.id)
        it = std::find_if(refused_.begin(), refused_.end(), [&](const auto& w) {
            return w.second.event.detector == e.detector && w.second.event.type == e.type;
        });
    if (it == refused_.end()) return false;
    const Event& waiting = it->second.event;
    if (waiting.id == e.id) return it->second.continued;  // itself, made again
    if (waiting.state == EventState::raise && e.state == EventState::update) {
        e.id = waiting.id;
        e.state = EventState::raise;
    }
    refused_.erase(it);
    return false;
}

void IncidentBook::keep_refused(const Event& e, bool continued) {
    if (e.repeats_incident || !tracked(e) || was_closed(e.incident_id())) return;
    const bool first = refused_.count(e.incident_id()) == 0;
    refused_[e.incident_id()] = Waiting{e, continued};
    if (first)
        log_.warn("incidents",
                  "the store refused a detector's event: it is made again until stored",
                  {{"incident", e.incident_id()}, {"event", e.id}, {"type", e.type}});
}

bool IncidentBook::still_refused(const Event& e) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = refused_.find(e.incident_id());
    return it != refused_.end() && it->second.event.id == e.id;
}

bool IncidentBook::still_news(const Event& e) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const Incident* inc = find(e.incident_id());
    if (!inc) return false;
    return e.acked_by ? inc->ack_unsent : !inc->acked_by;
}

void IncidentBook::note_event(Incident& inc, const std::string& event_id) {
    if (event_id.empty() || event_id == inc.id) return;
    inc.event_ids.push_back(event_id);
    while (inc.event_ids.size() > kEventIdsKept) inc.event_ids.pop_front();
}

// Due: at or above min_severity. Followed: notices and warnings of things
// that clear. One-shot reports never clear, so they are in the book at no
// severity: the store's alarms (full, an alarm refused, recovered from
// damage) were re-sent every renotify_s, escalated to critical once the
// store was fine again, and open until a restart.
bool IncidentBook::tracked(const Event& e) const {
    if (e.one_shot) return false;
    return e.severity >= settings_.min_severity || e.severity >= settings_.follow_severity;
}

void IncidentBook::make_due(Incident& inc) {
    inc.due = true;
    inc.due_ms = clock_.now_ms();
    inc.due_mono = clock_.mono_ms();
}

void IncidentBook::notified(Incident& inc) {
    inc.last_notified_ms = clock_.now_ms();
    inc.notified_mono = clock_.mono_ms();
}

void IncidentBook::bound_followed() {
    std::vector<const Incident*> followed;
    for (const auto& [_, inc] : open_)
        if (!inc.due) followed.push_back(&inc);
    if (followed.size() <= kFollowedKept) return;
    auto oldest = std::min_element(followed.begin(), followed.end(),
                                   [](auto* a, auto* b) { return a->raised_ms < b->raised_ms; });
    const std::string id = (*oldest)->id;
    log_.warn("incidents", "too many warnings open: the oldest is no longer followed",
              {{"incident", id}, {"kept", kFollowedKept}});
    // Let go, not closed: a later update of it that reaches min_severity
    // starts it again (closed ids are ignored for good).
    drop(id, "let go incident not removed");
}

Incident IncidentBook::opened(const Event& e) {
    Incident inc;
    inc.id = e.incident_id();
    inc.detector = e.detector;
    inc.kind = e.kind;
    inc.type = e.type;
    inc.severity = e.severity;
    inc.found = e.found_severity.value_or(e.severity);
    inc.raised_ms = clock_.now_ms();
    notified(inc);
    make_due(inc);
    inc.due = e.severity >= settings_.min_severity;
    inc.value = e.value;
    inc.unit = e.unit;
    inc.message = e.message;
    inc.details = e.details;
    inc.origin = settings_.origin;
    note_event(inc, e.id);
    return inc;
}

void IncidentBook::start(const Event& e) {
    Incident inc = opened(e);
    save(inc);
    const bool followed = !inc.due;
    open_[inc.id] = std::move(inc);
    if (followed) bound_followed();
}

void IncidentBook::record(const Event& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string& id = e.incident_id();
    (void)settle_opening(id);
    if (!e.repeats_incident) refused_.erase(id);  // stored, or a newer one of it was
    Incident* inc = find(id);
    if (!inc) {
        if (opens_incident(e)) start(e);
        return;
    }
    if (e.state == EventState::clear) {
        close(inc->id);
        return;
    }
    note_event(*inc, e.id);
    notified(*inc);
    if (e.acked_by) inc->ack_unsent = false;
    // A detector's own update refreshes what later re-sent updates repeat,
    // its severity too (adopt() kept it at or above an escalated one). A
    // repeat does not: fresh evidence's message and details are about its
    // image, and re-sends made from them said "fresh evidence" with no
    // image and without the detector's details.
    if (!e.repeats_incident) {
        // A followed warning that grew into an alarm is re-sent from now on.
        if (!inc->due && e.severity >= settings_.min_severity) make_due(*inc);
        inc->severity = e.severity;
        inc->found = e.found_severity.value_or(e.severity);
        inc->value = e.value;
        inc->unit = e.unit;
        inc->message = e.message;
        inc->details = e.details;
    } else {
        // A re-send or an escalation counts once it is stored: one the store
        // refused is made again at the next tick (tick() counts nothing).
        if (e.renotify) inc->renotify = std::max(inc->renotify, *e.renotify);
        if (e.escalated && !inc->escalated) {
            inc->escalated = true;
            inc->severity = std::max(inc->severity, e.severity);
        }
    }
    save(*inc);
}

void IncidentBook::refused(const Event& e, bool continued) {
    std::lock_guard<std::mutex> lock(mutex_);
    Incident* inc = find(e.incident);
    if (e.state != EventState::clear) {
        // Never stored: the record adopt() made for it goes (an incident
        // another event of it opened meanwhile is found, and stays).
        const std::string& id = e.incident_id();
        if (settle_opening(id) && !inc) drop(id, "refused incident not removed");
        keep_refused(e, continued);
        return;
    }
    // An unconfirmed incident's clear is the book's own: tick() makes it again.
    if (!inc || !inc->confirmed || inc->refused_clear) return;
    inc->refused_clear = e;
    log_.warn("incidents", "the store refused a clear: it is made again until stored",
              {{"incident", inc->id}, {"event", e.id}});
}

Event IncidentBook::update_of(const Incident& inc) const {
    Event e;
    e.incident = inc.id;
    e.detector = inc.detector;
    e.kind = inc.kind;
    e.type = inc.type;
    e.severity = inc.severity;
    e.state = EventState::update;
    e.value = inc.value;
    e.unit = inc.unit;
    e.message = inc.message;
    e.details = inc.details.is_object() ? inc.details : nlohmann::json::object();
    if (inc.renotify > 0) e.renotify = inc.renotify;
    e.escalated = inc.escalated;
    e.acked_by = inc.acked_by;
    e.ack_note = inc.ack_note;
    if (foreign(inc)) e.origin = inc.origin;
    return e;
}

// What is due now, as events to store. Nothing is counted here: record()
// takes each in once it is stored (the clear of an incident closes it), so
// an event the store refused (full) is made again at the next tick rather
// than lost, with the book already counting it sent. Only `closing` is
// set: a raise racing the clear must not continue what the clear closes.
std::vector<Event> IncidentBook::tick(bool link_down) {
    std::lock_guard<std::mutex> lock(mutex_);
    const int64_t now = clock_.mono_ms();
    std::vector<Event> out;
    for (const auto& [_, w] : refused_) out.push_back(w.event);
    for (auto& [id, inc] : open_) {
        if (!inc.confirmed) {
            if (foreign(inc) || now >= loaded_mono_ + grace_ms(inc)) {
                inc.closing = true;
                out.push_back(closing(inc));
            }
            continue;  // not re-sent while nobody knows whether it still holds
        }
        if (inc.refused_clear) {
            out.push_back(*inc.refused_clear);
            continue;  // it is over: neither re-sent nor escalated
        }
        if (inc.acked_by && inc.ack_unsent) {
            out.push_back(ack_update_of(inc));
            continue;
        }
        // Its refused update, made above, is the news: a re-send now would
        // repeat what it replaces.
        if (refused_.count(id)) continue;
        if (inc.acked_by || !inc.due) continue;
        const int64_t age = now - inc.due_mono;
        if (!inc.escalated && settings_.escalate_after_ms > 0 &&
            age >= settings_.escalate_after_ms) {
            Event e = update_of(inc);
            e.escalated = true;
            e.severity = one_step_up(inc.severity);
            e.renotify.reset();  // the escalation itself, not a re-send
            e.repeats_incident = true;
            e.message =
                kUnackedPrefix + std::to_string(age / 1000) + " s, escalated: " + inc.message;
            out.push_back(std::move(e));
            continue;
        }
        if (!link_down && settings_.renotify_ms > 0 &&
            now - inc.notified_mono >= settings_.renotify_ms) {
            Event e = update_of(inc);
            e.renotify = inc.renotify + 1;
            e.message = kUnackedPrefix + std::to_string(age / 1000) + " s: " + inc.message;
            e.repeats_incident = true;
            out.push_back(std::move(e));
        }
    }
    return out;
}

// The clear of an incident not raised again since a restart, or left
// behind by a re-provision.
Event IncidentBook::closing(const Incident& inc) const {
    Event e = update_of(inc);
    e.state = EventState::clear;
    e.renotify.reset();
    if (foreign(inc)) {
        const Origin& now = settings_.origin;
        e.message = "closed: the gateway is now site " + now.site + ", gateway " + now.gateway +
                    ": " + inc.message;
        e.details["reprovisioned_as"] = {{"site", now.site}, {"gateway", now.gateway}};
    } else {
        e.message = "not seen since restart: " + inc.message;
        e.details["not_seen_since_restart"] = true;
    }
    return e;
}

Result<AckOutcome> IncidentBook::ack(const std::string& id, const std::string& by,
                                     const std::string& note) {
    std::lock_guard<std::mutex> lock(mutex_);
    Incident* inc = find(id);
    if (!inc) {
        if (was_closed(id)) return fail("incident " + id + " is closed");
        return fail("no open incident with incident or event id " + id +
                    " (an incident is named by its id, the `incident` of each of its events, "
                    "or the id of one of its newest " +
                    std::to_string(kEventIdsKept) + " events)");
    }
    AckOutcome out;
    out.incident = inc->id;
    if (inc->acked_by) {
        out.already = true;
        return out;
    }
    inc->acked_by = by;
    if (!note.empty()) inc->ack_note = note;
    inc->acked_ms = clock_.now_ms();
    if (auto s = table_.put(inc->id, incident_json(*inc).dump()); !s) {
        inc->acked_by.reset();
        inc->ack_note.reset();
        return fail("acknowledgement not recorded: " + s.error());
    }
    out.update = ack_update_of(*inc);
    return out;
}

void IncidentBook::ack_update_refused(const std::string& incident) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (Incident* inc = find(incident); inc && inc->acked_by) inc->ack_unsent = true;
}

Event IncidentBook::ack_update_of(const Incident& inc) const {
    Event e = update_of(inc);
    e.renotify.reset();
    e.message = kAckedPrefix + *inc.acked_by + (inc.ack_note ? ": " + *inc.ack_note : "");
    e.repeats_incident = true;
    return e;
}

// An event of no open incident starts one once stored: a raise, or an
// update that crossed the threshold (a warning that grew into an alarm).
// Not a repeat of an incident whose clear was stored while it was on its
// way (a re-send, an ack's update, fresh evidence), nor any later event of
// a closed incident: those opened it again, re-sent and escalated for ever,
// its ack lost.
bool IncidentBook::opens_incident(const Event& e) const {
    const std::string& id = e.incident_id();
    return e.state != EventState::clear && !e.repeats_incident && tracked(e) && !was_closed(id);
}

// Recorded before the store has the event that opens it: a restart between
// the two (power lost, kill -9) read the store's raise back but no record,
// so the center's incident was never closed. Found after the restart, it is
// closed after the grace, never continued (Incident::opening). record()
// saves it again once the event is stored; refused() takes it out.
void IncidentBook::save_opening(const Event& e) {
    if (!opens_incident(e)) return;
    Incident inc = opened(e);
    inc.opening = true;
    ++openings_[inc.id];
    save(inc);
}

// One event that save_opening() counted was stored or refused. True when
// it was the last of its incident on its way: the record is then the
// book's own to keep or take out (another event of the same incident,
// adopted meanwhile, may still be on its way to the store).
bool IncidentBook::settle_opening(const std::string& id) {
    auto it = openings_.find(id);
    if (it == openings_.end()) return false;
    if (--it->second > 0) return false;
    openings_.erase(it);
    return true;
}

void IncidentBook::save(const Incident& inc) {
    auto s = table_.put(inc.id, incident_json(inc).dump());
    if (s) return;
    if (uint64_t n = save_failures_.note(clock_.mono_ms()))
        log_.error("incidents", "incident state not saved",
                   {{"incident", inc.id}, {"error", s.error()}, {"since_last_line", n}});
}

bool IncidentBook::was_closed(const std::string& id) const {
    return std::find(closed_.begin(), closed_.end(), id) != closed_.end();
}

void IncidentBook::close(const std::string& id) {
    auto it = open_.find(id);
    if (it == open_.end()) return;
    closed_.push_back(id);
    for (const auto& e : it->second.event_ids) closed_.push_back(e);
    for (const auto& a : it->second.aliases) closed_.push_back(a);
    while (closed_.size() > kClosedKept) closed_.pop_front();
    drop(id, "closed incident not removed");
}

void IncidentBook::drop(const std::string& id, const char* when) {
    if (auto s = table_.erase(id); !s)
        log_.error("incidents", when, {{"incident", id}, {"error", s.error()}});
    open_.erase(id);
}

bool IncidentBook::is_open(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return find(id) != nullptr;
}

std::vector<Incident> IncidentBook::open() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Incident> out;
    for (const auto& [_, inc] : open_) out.push_back(inc);
    return out;
}

}  // namespace gw::loop
