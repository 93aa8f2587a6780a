#include "eviction.hpp"

#include <algorithm>

namespace gw::store {

int64_t bytes_over_cap(int64_t current, int64_t incoming, int64_t cap) {
    return std::max<int64_t>(0, current + incoming - cap);
}

int64_t bytes_to_free_when_full(int64_t lane_bytes, int64_t incoming) {
    return std::min(lane_bytes, std::max(incoming, lane_bytes / 8));
}

EvictionPick pick_oldest(const std::vector<RowSize>& oldest_first, int64_t need) {
    EvictionPick pick;
    for (const auto& row : oldest_first) {
        if (pick.bytes >= need) break;
        pick.last_seq = row.seq;
        pick.rows += 1;
        pick.bytes += row.cost;
    }
    return pick;
}

}  // namespace gw::store
