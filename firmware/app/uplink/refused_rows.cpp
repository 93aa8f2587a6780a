#include "refused_rows.hpp"

#include "store/record.hpp"

namespace gw::uplink {

RefusedRows::Slots RefusedRows::careful_slots(size_t inflight) const {
    if (inflight == 0) return {1, 0};
    const bool lone_is_alarm = lone_ && lone_->first == index_of(Lane::alarm);
    if (lone_ && !lone_is_alarm && !beside_ && inflight == 1) return {1, 1};
    return {};
}

void RefusedRows::published(const Key& key, size_t inflight) {
    if (!careful_) return;
    if (inflight == 1)
        lone_ = key;
    else
        beside_ = key;
}

void RefusedRows::acked(const Key& key, bool current) {
    if (suspect_ == key) suspect_.reset(), suspect_losses_ = 0;
    paroled_.erase(key);
    if (!current) return;  // a late PUBACK of a lost connection proves nothing of this one
    unconfirmed_.reset();
    if (beside_ == key) beside_.reset();
    if (lone_ == key) {
        careful_ = false;
        lone_.reset();
        beside_.reset();
    }
}

// An alarm beside the lone row that failed no longer holds its slot; the
// lone row itself is still out as far as a loss goes (Paho fails what is in
// flight before it reports the lost connection).
void RefusedRows::failed(const Key& key) {
    if (beside_ == key) beside_.reset();
}

RefusedRows::Verdict RefusedRows::lost(int64_t now_ms) {
    Verdict v;
    const std::optional<Key> alone = beside_ ? std::nullopt : lone_;
    lone_.reset();
    beside_.reset();
    careful_ = true;
    if (unconfirmed_) {
        parked_.erase(*unconfirmed_);
        v.unparked = unconfirmed_;
        unconfirmed_.reset();
        suspect_.reset();
        suspect_losses_ = 0;
    }
    if (!alone) return v;
    suspect_losses_ = suspect_ == alone ? suspect_losses_ + 1 : 1;
    suspect_ = alone;
    const bool paroled = paroled_.erase(*alone) > 0;
    if (!paroled && suspect_losses_ < kLosses) return v;
    suspect_.reset();
    suspect_losses_ = 0;
    parked_[*alone] = now_ms + kParkMs;
    unconfirmed_ = alone;
    v.parked = alone;
    return v;
}

std::optional<int64_t> RefusedRows::next_release_ms() const {
    std::optional<int64_t> first;
    for (const auto& [key, at] : parked_)
        if (!first || at < *first) first = at;
    return first;
}

std::vector<RefusedRows::Key> RefusedRows::release(int64_t now_ms) {
    for (auto it = paroled_.begin(); it != paroled_.end();)
        it = it->second <= now_ms ? paroled_.erase(it) : std::next(it);
    std::vector<Key> due;
    for (auto it = parked_.begin(); it != parked_.end();) {
        if (it->second > now_ms) {
            ++it;
            continue;
        }
        due.push_back(it->first);
        paroled_[it->first] = now_ms + kParkMs;
        if (unconfirmed_ == it->first) unconfirmed_.reset();
        it = parked_.erase(it);
    }
    return due;
}

}  // namespace gw::uplink
