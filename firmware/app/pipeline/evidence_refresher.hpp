#pragma once
// Emergency mode's fresh evidence (issue 13): while a vision incident that
// came with an evidence image is still open, the center gets a new image of
// it every interval, as an `update` of the same incident whose evidence is
// its own id, so an operator watches a fire or a crowd develop. In normal
// mode only the raise carries an image.
//
// Pure bookkeeping on the frames' own time; the caller encodes the image.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/event_id.hpp"
#include "core/types.hpp"

namespace gw {

class EvidenceRefresher {
  public:
    // One frame's events, in order, and the ids of the events that came with
    // an evidence image.
    void observe(const std::vector<Event>& events, const std::vector<std::string>& with_evidence,
                 int64_t now_ms);
    // The updates due at `now_ms` (the last image is `interval_ms` old or
    // older), with ids from `ids`; they count as refreshed from now on.
    std::vector<Event> due(int64_t now_ms, int64_t interval_ms, EventIdSource& ids);
    size_t open() const { return open_.size(); }

  private:
    struct Open {
        Event last;             // the incident's latest event
        int64_t image_ms = 0;   // when its latest image was made
    };
    std::map<std::string, Open> open_;  // by incident id
};

}  // namespace gw
