#include "live_state.hpp"

namespace gw {

void LiveState::on_samples(const std::vector<Sample>& samples) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& s : samples) {
        PointState& p = points_[s.point];
        p.last = s;
        ++p.samples;
        if (s.quality == Quality::good) p.good_t_ms = s.t_ms;
    }
}

std::string LiveState::incident_key(const Event& e) {
    return e.incident.empty() ? e.id : e.incident;
}

void LiveState::on_event(const Event& event) {
    std::lock_guard<std::mutex> lock(mutex_);
    recent_.push_back(event);
    while (recent_.size() > capacity_) recent_.pop_front();
    // One-shot events (no lifecycle: no incident id) are never "active".
    if (event.incident.empty()) return;
    if (event.state == EventState::clear) {
        active_.erase(incident_key(event));
    } else {
        active_[incident_key(event)] = event;
    }
}

std::map<std::string, PointState> LiveState::points() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return points_;
}

std::vector<Event> LiveState::recent_events() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {recent_.begin(), recent_.end()};
}

std::vector<Event> LiveState::active_incidents() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Event> out;
    for (const auto& [id, e] : active_) out.push_back(e);
    return out;
}

}  // namespace gw
