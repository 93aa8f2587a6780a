#pragma once
// Rounds of kill -9: gatewayd starts, events are injected (and telemetry
// flows from a serial sensor) while the uplink publishes, and at a random
// moment the daemon is killed with SIGKILL. In a third of the rounds the
// broker goes down partway (and comes back in the same or the next round,
// so some starts happen with no broker). A last start drains the store;
// then every accepted event must have reached the center.
#include <string>
#include <vector>

#include "site.hpp"

namespace gw::soak {

struct KillRoundsOptions {
    std::string gatewayd;
    int rounds = 70;
    unsigned seed = 1;
    int max_kill_ms = 1500;  // a round runs 100..max_kill_ms after ready, then kill -9
    int injectors = 2;       // threads injecting events
    int sensor_lines_per_s = 200;
    bool verbose = false;
};

struct KillRoundsResult {
    int rounds = 0;
    int outage_rounds = 0;
    int starts = 0;
    int failed_starts = 0;
    int kills_with_publishes_in_flight = 0;
    int kills_with_unsent_rows = 0;
    Delivery delivery;
    std::map<std::string, int> refusals;
    bool clean_stop = false;  // the last gatewayd stopped on SIGTERM with exit 0
    double seconds = 0;
    std::vector<std::string> failures;  // empty: passed
};

KillRoundsResult run_kill_rounds(const KillRoundsOptions& options, const std::string& work_dir);

}  // namespace gw::soak
