#include "replay.hpp"

#include <algorithm>
#include <vector>

#include "detectors/sensor_detector.hpp"
#include "trace.hpp"

namespace gw::replay {

namespace {
// Ticks between two samples; a long gap (a day without samples) is crossed in
// at most kMaxTicksPerGap steps so replay time stays bounded.
constexpr int64_t kMaxTicksPerGap = 3600;

// In unsigned arithmetic: a trace's times may span all of int64 (the fuzzer
// found t + step overflowing next to INT64_MAX). `to` > `from`.
void tick_through(detectors::DetectorSet& set, int64_t from, int64_t to, int64_t tick_ms,
                  std::vector<Event>& out) {
    const uint64_t span = uint64_t(to) - uint64_t(from);
    const uint64_t step =
        std::max<uint64_t>(uint64_t(std::max<int64_t>(1, tick_ms)), span / kMaxTicksPerGap);
    for (uint64_t done = 0; span - done > step;) {
        done += step;
        set.on_tick(int64_t(uint64_t(from) + done), out);
    }
}
}  // namespace

Result<ReplayStats> run(std::istream& trace, detectors::DetectorSet& set,
                        const std::function<void(const Event&)>& on_event, int64_t tick_ms) {
    TraceReader reader(trace);
    ReplayStats stats;
    std::vector<Event> events;
    std::optional<int64_t> last_t;
    for (;;) {
        auto next = reader.next();
        if (!next) return fail(next.error());
        if (!*next) break;
        const Sample& s = **next;
        events.clear();
        if (last_t && s.t_ms > *last_t) {
            set.on_tick(*last_t, events);  // judge the previous snapshot as a whole
            tick_through(set, *last_t, s.t_ms, tick_ms, events);
        }
        last_t = s.t_ms;
        ++stats.samples;
        if (!set.on_sample(s, events)) {
            ++stats.unknown_samples;
            if (stats.unknown_points.size() < 20) stats.unknown_points.insert(s.point);
        }
        for (const auto& e : events) on_event(e);
    }
    events.clear();
    if (last_t) set.on_tick(*last_t, events);
    for (const auto& e : events) on_event(e);
    return stats;
}

std::string event_text(const Event& e) {
    std::string line = std::to_string(e.t_ms) + "  " + e.detector + "  " + e.type + "  " +
                       std::string(to_string(e.state)) + "  " + std::string(to_string(e.severity)) +
                       "  " + detectors::num(e.value, 2);
    if (!e.unit.empty()) line += " " + e.unit;
    return line + "  " + e.message + "  [" + e.incident + "]";
}

}  // namespace gw::replay
