#include "evidence_refresher.hpp"

#include <algorithm>

namespace gw {

void EvidenceRefresher::observe(const std::vector<Event>& events,
                                const std::vector<std::string>& with_evidence, int64_t now_ms) {
    for (const auto& e : events) {
        const std::string& incident = e.incident_id();
        if (e.state == EventState::clear) {
            open_.erase(incident);
            continue;
        }
        const bool has_image =
            std::find(with_evidence.begin(), with_evidence.end(), e.id) != with_evidence.end();
        auto it = open_.find(incident);
        if (it == open_.end()) {
            // Only incidents that came with an image: camera faults have none.
            if (has_image) open_[incident] = Open{e, now_ms};
            continue;
        }
        it->second.last = e;
        if (has_image) it->second.image_ms = now_ms;
    }
}

std::vector<Event> EvidenceRefresher::due(int64_t now_ms, int64_t interval_ms, EventIdSource& ids) {
    std::vector<Event> out;
    for (auto& [incident, open] : open_) {
        if (now_ms - open.image_ms < interval_ms) continue;
        Event e = open.last;
        e.id = ids.next();
        e.incident = incident;
        e.state = EventState::update;
        e.t_ms = now_ms;
        e.evidence = e.id;
        e.message = "fresh evidence (emergency mode): " + open.last.message;
        e.details = {{"evidence_refresh", true}};
        e.acked_by.reset();
        e.ack_note.reset();
        e.renotify.reset();
        e.escalated = false;
        e.repeats_incident = true;  // not a new finding (the mode rules, the book)
        open.image_ms = now_ms;
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace gw
