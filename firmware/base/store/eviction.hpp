#pragma once
// The store's eviction policy as pure functions, so the decisions (what goes,
// in which order, how much) are unit-tested without a disk.
#include <cstdint>
#include <vector>

namespace gw::store {

// What a row costs against a lane's byte cap: its payload plus SQLite's
// per-row overhead (key, record header, cell pointer), so a cap given in
// bytes tracks the pages the lane really occupies.
constexpr int64_t kRowOverhead = 32;
inline int64_t row_cost(int64_t payload_bytes) {
    return payload_bytes + kRowOverhead;
}

// Bytes of an evictable lane (telemetry, evidence) that must go so that
// `incoming` fits under `cap`.
int64_t bytes_over_cap(int64_t current, int64_t incoming, int64_t cap);

// Bytes of an evictable lane to free when SQLite reports the database (page
// cap) or the disk full: at least what is needed, and an eighth of the lane,
// so a full disk does not turn every following insert into an eviction.
int64_t bytes_to_free_when_full(int64_t lane_bytes, int64_t incoming);

struct RowSize {
    int64_t seq;
    int64_t cost;
};

struct EvictionPick {
    int64_t last_seq = 0;  // evict every row with seq <= last_seq (0: none)
    int64_t rows = 0;
    int64_t bytes = 0;
};

// Oldest first: walks `oldest_first` until `need` bytes are covered.
EvictionPick pick_oldest(const std::vector<RowSize>& oldest_first, int64_t need);

}  // namespace gw::store
