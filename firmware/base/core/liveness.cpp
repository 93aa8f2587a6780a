#include "liveness.hpp"

#include <algorithm>
#include <utility>

namespace gw {

Liveness::Liveness(std::vector<Vital> vitals, int64_t limit_ms, int64_t now_ms)
    : vitals_(std::move(vitals)), limit_ms_(limit_ms), since_ms_(now_ms) {}

std::optional<Stall> Liveness::stalled(int64_t now_ms) const {
    std::optional<Stall> worst;
    for (const auto& v : vitals_) {
        const int64_t silent = now_ms - std::max(v.heartbeat->last_ms(), since_ms_);
        if (silent > limit_ms_ && (!worst || silent > worst->silent_ms))
            worst = Stall{v.part, silent};
    }
    return worst;
}

}  // namespace gw
