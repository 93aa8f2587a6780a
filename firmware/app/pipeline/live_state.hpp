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
#include "intake.hpp"

namespace gw {

// A page of the recent-samples ring (gatewayctl record). Cursors are sample
// sequence numbers: pass `next` back to get what came after.
struct SamplePage {
    std::vector<Sample> samples;
    uint64_t next = 0;     // cursor for the next call
    uint64_t dropped = 0;  // samples that left the ring before this reader got them
};

struct PointState {
    Sample last;            // last sample, whatever its quality
    int64_t good_t_ms = 0;  // time of the last good sample (0: never)
    uint64_t samples = 0;
};

class LiveState final : public IntakeObserver {
  public:
    explicit LiveState(size_t recent_events = 200, size_t recent_samples = 8192)
        : capacity_(recent_events), sample_capacity_(recent_samples) {}

    void on_samples(const std::vector<Sample>& samples);
    void on_event(const Event& event);
    // As the intake's observer: every event once stored.
    void before(Event&) override {}
    void after(const Event& event) override { on_event(event); }

    std::map<std::string, PointState> points() const;
    std::vector<Event> recent_events() const;     // oldest first
    std::vector<Event> active_incidents() const;  // latest event of each active incident
    // Sequence number of the newest sample (0: none yet): a reader that
    // wants only what comes from now on starts with this cursor.
    uint64_t sample_cursor() const;
    // Samples with sequence number > after, oldest first, at most `limit`.
    // A cursor from the future (a restarted daemon) restarts at the newest.
    SamplePage samples_after(uint64_t after, size_t limit) const;

  private:
    size_t capacity_;
    mutable std::mutex mutex_;
    std::map<std::string, PointState> points_;
    std::deque<Event> recent_;
    std::map<std::string, Event> active_;  // by incident id
    size_t sample_capacity_;
    std::deque<Sample> samples_;  // the last sample_capacity_ samples
    uint64_t next_seq_ = 1;       // sequence number of the next sample
};

}  // namespace gw
