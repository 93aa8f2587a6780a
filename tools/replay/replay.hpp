#pragma once
// Offline replay: a recorded trace through the same detectors the daemon
// builds, for `gatewayctl replay` and gw-eval.
#include <functional>
#include <istream>
#include <set>
#include <string>

#include "core/result.hpp"
#include "core/types.hpp"
#include "detectors/detector_set.hpp"

namespace gw::replay {

struct ReplayStats {
    long samples = 0;
    long unknown_samples = 0;              // samples of points no detector uses
    std::set<std::string> unknown_points;  // the first 20 of them, for the message
};

// Feeds every sample to `set`, ticking it every `tick_ms` of trace time in
// between (as the daemon ticks once a second), and hands each event to
// `on_event` as it happens. Errors are "LINE: what".
Result<ReplayStats> run(std::istream& trace, detectors::DetectorSet& set,
                        const std::function<void(const Event&)>& on_event, int64_t tick_ms = 1000);

// `gatewayctl replay --json` prints contract::event_json(e, "t_ms") per event.
// One event as a line for people.
std::string event_text(const Event& e);

}  // namespace gw::replay
