#pragma once
// Whether the threads that carry data (detection, telemetry, the store's
// writer, the uplink) are all still going round their loops. The daemon
// feeds systemd's watchdog only while they are: a main loop that pings on
// its own proves only that the main loop runs.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "heartbeat.hpp"

namespace gw {

struct Vital {
    std::string part;  // as logged: "pipeline.detection", "store.writer", ...
    const Heartbeat* heartbeat;
};

struct Stall {
    std::string part;
    int64_t silent_ms;  // since its last beat (or since watching began)
};

class Liveness {
  public:
    // A part that has not beaten yet is timed from `now_ms`, the start of
    // watching: a thread that never got going is a stall too.
    Liveness(std::vector<Vital> vitals, int64_t limit_ms, int64_t now_ms);

    // The part silent the longest, if longer than the limit.
    std::optional<Stall> stalled(int64_t now_ms) const;

  private:
    std::vector<Vital> vitals_;
    int64_t limit_ms_;
    int64_t since_ms_;
};

}  // namespace gw
