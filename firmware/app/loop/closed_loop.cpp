#include "closed_loop.hpp"

#include <cmath>
#include <map>

namespace gw::loop {
namespace {

// The loop's own mode_changed events.
constexpr const char* kModeDetector = "mode";
constexpr const char* kModeChanged = "mode_changed";

bool is_mode_change(const Event& e) {
    return e.detector == kModeDetector && e.type == kModeChanged;
}

// Each detector's own time to see an incident again after a start, by the
// settings the config loader read (a kind without them: 0).
std::function<int64_t(const std::string&, const std::string&)> seen_again_ms(
    const std::vector<DetectorConfig>& detectors) {
    std::map<std::string, std::shared_ptr<const DetectorSettings>> by_id;
    for (const auto& d : detectors)
        if (d.settings) by_id[d.id] = d.settings;
    return [by_id](const std::string& detector, const std::string& type) -> int64_t {
        auto it = by_id.find(detector);
        if (it == by_id.end()) return 0;
        return static_cast<int64_t>(std::ceil(it->second->seen_again_within_s(type) * 1000));
    };
}

}  // namespace

BookSettings book_settings(const IncidentsConfig& c) {
    BookSettings s;
    s.min_severity = c.renotify_min_severity;
    s.renotify_ms = static_cast<int64_t>(c.renotify_s) * 1000;
    s.escalate_after_ms = static_cast<int64_t>(c.escalate_after_s) * 1000;
    s.restart_grace_ms = static_cast<int64_t>(c.restart_grace_s) * 1000;
    return s;
}

ClosedLoop::ClosedLoop(const Config& config, std::unique_ptr<StateTable> incidents,
                       std::unique_ptr<StateTable> mode, const Clock& clock, Log& log)
    : clock_(clock),
      log_(log),
      incident_table_(std::move(incidents)),
      mode_table_(std::move(mode)) {
    auto settings = book_settings(config.incidents);
    settings.origin = {config.identity.site, config.identity.gateway};
    settings.seen_again_ms = seen_again_ms(config.detectors);
    book_ = std::make_unique<IncidentBook>(settings, *incident_table_, clock, log);
    mode_ = std::make_unique<ModeController>(config.mode, config.emergency_auto, *mode_table_,
                                             clock, log);
}

Result<std::unique_ptr<ClosedLoop>> ClosedLoop::open(const Config& config,
                                                     const std::string& store_path,
                                                     const Clock& clock, Log& log) {
    auto incidents = SqliteStateTable::open(store_path, "incident");
    if (!incidents) return fail(incidents.error());
    auto mode = SqliteStateTable::open(store_path, "mode_state");
    if (!mode) return fail(mode.error());
    return open(config, std::move(*incidents), std::move(*mode), clock, log);
}

Result<std::unique_ptr<ClosedLoop>> ClosedLoop::open(const Config& config,
                                                     std::unique_ptr<StateTable> incidents,
                                                     std::unique_ptr<StateTable> mode,
                                                     const Clock& clock, Log& log) {
    std::unique_ptr<ClosedLoop> loop(
        new ClosedLoop(config, std::move(incidents), std::move(mode), clock, log));
    if (auto s = loop->book_->load(); !s) return fail(s.error());
    auto change = loop->mode_->load();
    if (!change) return fail(change.error());
    loop->loaded_change_ = *change;
    return loop;
}

void ClosedLoop::attach(Publish publish, StatusChanged status_changed) {
    publish_ = std::move(publish);
    status_changed_ = std::move(status_changed);
    if (status_changed_) status_changed_(mode_->state());
    if (loaded_change_) announce(*loaded_change_);
    loaded_change_.reset();
}

void ClosedLoop::before(Event& event) {
    if (!book_->adopt(event)) return;
    std::lock_guard<std::mutex> lock(continued_mutex_);
    continued_.insert(event.id);
}

void ClosedLoop::after(const Event& event) {
    book_->record(event);
    // An incident continued after a restart (a reload's, a salvage's) at no
    // worse a severity is no new finding: a site the center had set back to
    // normal went into emergency again at every restart, the center's own
    // reload too.
    {
        std::lock_guard<std::mutex> lock(continued_mutex_);
        if (continued_.erase(event.id)) return;
    }
    // The emergency rules answer to what detectors find: the book's own
    // re-sends and ack updates of an incident, and a camera's fresh
    // evidence, are not new alarms (they switched a site the center had set
    // back to normal into emergency again, at every re-send and at the
    // center's own ack; fresh evidence, sent only in emergency mode, kept an
    // emergency going for as long as the incident stayed open).
    if (event.repeats_incident) return;
    // A mode_changed event is stored within change_mode (its lock is held).
    if (is_mode_change(event)) return;
    change_mode([&] { return mode_->on_event(event); });
}

void ClosedLoop::refused(const Event& event) {
    bool continued = false;
    {
        std::lock_guard<std::mutex> lock(continued_mutex_);
        continued = continued_.erase(event.id) > 0;
    }
    book_->refused(event, continued);
}

void ClosedLoop::send(Event e) {
    if (!publish_) return;
    const std::string type = e.type;
    const bool mode_change = is_mode_change(e);
    auto r = publish_(std::move(e));
    if (r) return;
    // The book's events are made again at every tick while the alarm lane
    // is full: throttled. A mode change comes once, and the center misses
    // each one that is not stored: always said.
    const uint64_t n = mode_change ? 1 : not_stored_log_.note(clock_.mono_ms());
    if (n)
        log_.error("loop", "event not stored",
                   {{"type", type}, {"error", r.error()}, {"since_last_line", n}});
}

void ClosedLoop::tick(bool link_down) {
    for (auto& e : book_->tick(link_down)) {
        // A detector's refused event made again goes only while it still
        // waits: each send waits for a commit, and meanwhile a newer event
        // of its incident (its clear, say) may have been stored.
        const bool remade = !e.repeats_incident && e.state != EventState::clear;
        if (remade && !book_->still_refused(e)) continue;
        // The book's own: a re-send or an escalation stored after an ack
        // that came meanwhile said "unacknowledged, escalated" of an acked
        // incident; an ack's update made again, after the incident's clear.
        if (e.repeats_incident && !book_->still_news(e)) continue;
        send(std::move(e));
    }
    change_mode([&] { return mode_->tick(); });
}

// A rule, the center's command and the expiry may change the mode from
// three threads: each change, the retained status it sets and its
// mode_changed event are made under one lock, so neither the status nor the
// stored events can end out of order (the status on a mode the gateway
// left, or "emergency -> normal" stored before the "normal -> emergency" it
// follows). Storing the event comes back into after(), which leaves the
// loop's own events alone.
template <typename Change>
void ClosedLoop::change_mode(Change&& change) {
    std::lock_guard<std::mutex> lock(mode_mutex_);
    auto changed = change();
    if (!changed) return;
    if (status_changed_) status_changed_(changed->to);
    announce(*changed);
}

void ClosedLoop::announce(const ModeChange& change) {
    Event e;
    e.detector = kModeDetector;
    e.kind = "system";
    e.type = kModeChanged;
    e.one_shot = true;
    e.severity = Severity::info;
    e.value = kNoValue;
    e.message = "mode " + std::string(to_string(change.from.mode)) + " -> " +
                std::string(to_string(change.to.mode)) + " (" + change.to.source + ")";
    e.details = {{"from", std::string(to_string(change.from.mode))},
                 {"to", std::string(to_string(change.to.mode))},
                 {"until", change.to.until_ms ? nlohmann::json(*change.to.until_ms)
                                              : nlohmann::json(nullptr)},
                 {"source", change.to.source}};
    send(std::move(e));
}

Result<AckOutcome> ClosedLoop::ack(const std::string& id, const std::string& by,
                                   const std::string& note) {
    auto out = book_->ack(id, by, note);
    if (!out) return out;
    if (out->update) {
        if (!publish_) return fail("gatewayd is not ready");
        auto stored = publish_(*out->update);
        if (!stored) {
            // Recorded already, so the answer is yes: the update is made
            // again at every tick until stored (an error here was cached
            // under the request id, and the ack had stopped the re-sends
            // that would have carried it).
            log_.warn("loop", "an acknowledgement's update was not stored: made again until it is",
                      {{"incident", out->incident}, {"error", stored.error()}});
            book_->ack_update_refused(out->incident);
            out->update.reset();
            return out;
        }
        out->update = *stored;
    }
    return out;
}

Result<ModeState> ClosedLoop::set_mode(Mode mode, std::optional<int64_t> duration_ms,
                                       const std::string& source) {
    std::string error;
    change_mode([&]() -> std::optional<ModeChange> {
        auto change = mode_->set(mode, duration_ms, source);
        if (!change) error = change.error();
        return change ? *change : std::nullopt;
    });
    if (!error.empty()) return fail(error);
    return mode_->state();
}

}  // namespace gw::loop
