#pragma once
// What a technician asks about a running gateway: the latest value of every
// point, recent events and the incidents still active. Fed by the pipeline,
// read by the control socket; bounded, thread-safe, no clock inside.
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace gw {

struct PointState {
    Sample last;        // last sample, whatever its quality
    int64_t good_t_ms = 0;  // time of the last good sample (0: never)
    uint64_t samples = 0;
};

class LiveState {
public:
    explicit LiveState(size_t recent_events = 200) : capacity_(recent_events) {}

    void on_samples(const std::vector<Sample>& samples);
    void on_event(const Event& event);

    std::map<std::string, PointState> points() const;
    std::vector<Event> recent_events() const;   // oldest first
    std::vector<Event> active_incidents() const;  // latest event of each active incident

private:
    static std::string incident_key(const Event& e);

    size_t capacity_;
    mutable std::mutex mutex_;
    std::map<std::string, PointState> points_;
    std::deque<Event> recent_;
    std::map<std::string, Event> active_;  // by incident id
};

}  // namespace gw
