#pragma once
// How a store is opened: the caps and timings the config's [store] sets
// (these are its defaults), and a few that only tests and tools change.
#include <cstdint>
#include <string>

namespace gw {

struct StoreOptions {
    std::string path;  // in the config: resolved against gateway.data_dir
    int64_t alarm_max_bytes = 256LL << 20;
    int64_t telemetry_max_bytes = 64LL << 20;
    int64_t evidence_max_bytes = 32LL << 20;
    int commit_window_ms = 5;  // group commit: how long to gather events
    // Hard page cap for the whole file; 0: derived from the lane caps.
    // Tests set it small to exercise "database full" without filling a disk.
    int64_t max_page_count = 0;
    int max_batch = 2000;  // rows per lane per transaction
    // Acks alone are not urgent (a delete that waits only risks a resend,
    // delivery is at-least-once): they are gathered this long, or up to
    // max_acks, into one transaction, unless appends or a flush() carry them
    // sooner. A drain at thousands of PUBACKs/s otherwise commits (and
    // fsyncs) for every handful of them.
    int ack_window_ms = 200;
    int max_acks = 2000;
    // The boot counter's copy outside the store; empty: boot.count next to it.
    std::string boot_file;
};

}  // namespace gw
