#pragma once
// The disk-full case: the data dir on a small file system of its own (tmpfs,
// else a loop-mounted ext4 image), the broker down, telemetry from a serial
// sensor as fast as the gateway takes it and a stream of alarms, until the
// disk is full. Then: alarms keep being accepted while there is telemetry to
// evict; when nothing is left to evict, refusals are clean errors and the
// daemon keeps answering; a kill -9 and a restart on the full disk, which
// fills again; the broker comes back while the disk is full and the store
// drains (deleting rows on a full disk) and takes alarms again; then space
// comes back too. Every accepted alarm must reach the center.
#include <map>
#include <string>
#include <vector>

#include "site.hpp"

namespace gw::soak {

struct DiskFullOptions {
    std::string gatewayd;
    int disk_mb = 24;            // > the store's 4 MiB reserve (docs/store.md) with room to fill
    int ballast_kb = 1024;       // removed later: "space returns"
    int big_alarm_bytes = 4000;  // the alarms that fill what telemetry left
    int fill_timeout_s = 180;
    bool verbose = false;
};

struct DiskFullResult {
    bool skipped = false;
    std::string skip_reason;
    std::string file_system;  // "tmpfs 8 MiB", "ext4 image 8 MiB"
    double seconds_to_full = 0;
    int64_t telemetry_rows_at_full = 0;
    size_t alarms_accepted_while_full = 0;  // before the first refusal
    int64_t telemetry_evicted_rows = 0;
    int64_t telemetry_rows_at_first_refusal = -1;
    std::map<std::string, int> refusals;  // message -> count
    bool alive_after_refusals = false;
    bool restarted_on_full_disk = false;
    bool full_again_after_restart = false;
    size_t alarms_accepted_full_again = 0;
    bool drained_while_full = false;  // the broker came back before the space did
    double seconds_to_drain_while_full = 0;
    double seconds_to_accept_after_drain = -1;
    double seconds_to_accept_after_space = -1;
    std::map<std::string, int> notices;  // store events the center got (store_full, ...)
    Delivery delivery;
    double seconds = 0;
    std::vector<std::string> failures;
};

DiskFullResult run_disk_full(const DiskFullOptions& options, const std::string& work_dir);

}  // namespace gw::soak
