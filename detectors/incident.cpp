#include "incident.hpp"

namespace gw::detectors {

Event IncidentTracker::make(int64_t t_ms, EventState state, Severity sev, const Observation& obs) {
    Event e;
    e.id = ids_->next();
    if (state == EventState::raise) incident_ = e.id;
    e.incident = incident_;
    e.detector = spec_.detector;
    e.kind = spec_.kind;
    e.type = spec_.type;
    e.severity = sev;
    e.state = state;
    e.t_ms = t_ms;
    e.value = obs.value;
    e.unit = spec_.unit;
    e.message = obs.message;
    e.details = obs.details;
    return e;
}

std::optional<Event> IncidentTracker::observe(int64_t t_ms, const Observation& obs) {
    unknown_since_.reset();
    return active_ ? while_active(t_ms, obs) : while_inactive(t_ms, obs);
}

void IncidentTracker::unknown(int64_t t_ms) {
    if (!unknown_since_) unknown_since_ = t_ms;
    if (t_ms - *unknown_since_ < spec_.clear_hold_ms) return;
    pending_since_.reset();
    lower_since_.reset();
}

std::optional<Event> IncidentTracker::while_inactive(int64_t t_ms, const Observation& obs) {
    if (!obs.severity) {
        pending_since_.reset();
        return std::nullopt;
    }
    if (!pending_since_) pending_since_ = t_ms;
    if (t_ms - *pending_since_ < spec_.raise_hold_ms) return std::nullopt;
    pending_since_.reset();
    lower_since_.reset();
    active_ = obs.severity;
    return make(t_ms, EventState::raise, *active_, obs);
}

std::optional<Event> IncidentTracker::while_active(int64_t t_ms, const Observation& obs) {
    if (obs.severity && *obs.severity > *active_) {
        active_ = obs.severity;
        lower_since_.reset();
        return make(t_ms, EventState::update, *active_, obs);
    }
    if (obs.severity && *obs.severity == *active_) {
        lower_since_.reset();
        return std::nullopt;
    }
    // Better than reported (or gone): wait out the clear hold, remembering the
    // worst level seen meanwhile so a de-escalation never under-reports.
    if (!lower_since_) {
        lower_since_ = t_ms;
        lowest_seen_ = obs.severity;
    } else if (obs.severity && (!lowest_seen_ || *obs.severity > *lowest_seen_)) {
        lowest_seen_ = obs.severity;
    }
    if (t_ms - *lower_since_ < spec_.clear_hold_ms) return std::nullopt;
    lower_since_.reset();
    if (!lowest_seen_) {
        Severity last = *active_;
        active_.reset();
        return make(t_ms, EventState::clear, last, obs);
    }
    active_ = lowest_seen_;
    return make(t_ms, EventState::update, *active_, obs);
}

void LevelBands::reset() {
    band_ = -1;
    for (auto& since : above_since_) since.reset();
    held_.assign(held_.size(), false);
}

void LevelBands::note_held(double value, int64_t t_ms) {
    for (size_t i = 0; i < thresholds_.size(); ++i) {
        if (value >= thresholds_[i]) {
            if (!above_since_[i]) above_since_[i] = t_ms;
            if (t_ms - *above_since_[i] >= hold_ms_) held_[i] = true;
        } else {
            above_since_[i].reset();
            if (value <= thresholds_[i] - margin_) held_[i] = false;
        }
    }
}

std::optional<Severity> LevelBands::classify(double value, bool incident_active, int64_t t_ms) {
    note_held(value, t_ms);
    int raw = -1;
    for (size_t i = 0; i < thresholds_.size(); ++i)
        if (value >= thresholds_[i]) raw = static_cast<int>(i);
    // Going up is immediate; going down leaves a held band only once the
    // value is `margin` below that band's threshold, one not held at once.
    int band = band_;
    if (raw >= band || !incident_active) {
        band = raw;
    } else {
        while (band > raw && (!held_[band] || value <= thresholds_[band] - margin_)) --band;
    }
    band_ = band;
    if (band_ < 0) return std::nullopt;
    return severities_[band_];
}

std::optional<double> LevelBands::next_threshold() const {
    size_t next = static_cast<size_t>(band_ + 1);
    if (next >= thresholds_.size()) return std::nullopt;
    return thresholds_[next];
}

}  // namespace gw::detectors
