#include "live_state.hpp"

namespace gw {

void LiveState::on_samples(const std::vector<Sample>& samples) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& s : samples) {
        PointState& p = points_[s.point];
        p.last = s;
        ++p.samples;
        if (s.quality == Quality::good) p.good_t_ms = s.t_ms;
        samples_.push_back(s);
        ++next_seq_;
    }
    while (samples_.size() > sample_capacity_) samples_.pop_front();
}

uint64_t LiveState::sample_cursor() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return next_seq_ - 1;
}

SamplePage LiveState::samples_after(uint64_t after, size_t limit) const {
    std::lock_guard<std::mutex> lock(mutex_);
    SamplePage page;
    const uint64_t first_seq = next_seq_ - samples_.size();
    if (after >= next_seq_) {
        page.next = next_seq_ - 1;
        return page;
    }
    uint64_t from = after + 1;
    if (from < first_seq) {
        page.dropped = first_seq - from;
        from = first_seq;
    }
    for (uint64_t seq = from; seq < next_seq_ && page.samples.size() < limit; ++seq)
        page.samples.push_back(samples_[seq - first_seq]);
    page.next = from + page.samples.size() - 1;
    return page;
}

void LiveState::on_event(const Event& event) {
    std::lock_guard<std::mutex> lock(mutex_);
    recent_.push_back(event);
    while (recent_.size() > capacity_) recent_.pop_front();
    // One-shot reports never clear: they are never "active".
    if (event.one_shot) return;
    if (event.state == EventState::clear) {
        active_.erase(event.incident_id());
    } else {
        active_[event.incident_id()] = event;
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
