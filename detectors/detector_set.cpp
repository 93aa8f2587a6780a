#include "detector_set.hpp"

namespace gw::detectors {

Result<DetectorSet> DetectorSet::build(const std::vector<DetectorConfig>& configs,
                                       EventIdSource& ids) {
    DetectorSet set;
    for (const auto& c : configs) {
        if (!is_sensor_kind(c.kind)) {
            set.skipped_.push_back(c.id);
            continue;
        }
        auto d = make_sensor_detector(c, ids);
        if (!d) return fail(d.error());
        for (const auto& point : (*d)->points()) set.routes_[point].push_back(d->get());
        set.detectors_.push_back(std::move(*d));
    }
    return set;
}

bool DetectorSet::on_sample(const Sample& sample, std::vector<Event>& out) {
    auto it = routes_.find(sample.point);
    if (it == routes_.end()) return false;
    Sample s = sample;
    s.t_ms = inward(sample.t_ms, false);
    const size_t from = out.size();
    for (Detector* d : it->second) d->on_sample(s, out);
    outward(out, from);
    return true;
}

void DetectorSet::on_tick(int64_t t_ms, std::vector<Event>& out) {
    const int64_t t = inward(t_ms, true);
    const size_t from = out.size();
    for (auto& d : detectors_) d->on_tick(t, out);
    outward(out, from);
}

void DetectorSet::on_tick(const TickTime& now, std::vector<Event>& out) {
    note_time(now);
    on_tick(now.wall_ms, out);
}

void DetectorSet::on_samples(const std::vector<Sample>& batch, const TickTime& now,
                             std::vector<Event>& out) {
    note_time(now);
    for (const auto& s : batch) on_sample(s, out);
    on_tick(now.wall_ms, out);
}

// Wall time gone by minus monotonic time gone by: a step, when it is more
// than kClockStepMs either way. Taken out of the skew before any sample of
// the batch is placed, and latest_ moved to now: a sample then more than
// kClockStepMs ahead was stamped before a step back (read moments ago: it
// counts as read now, see inward), not an hour in the detectors' future.
void DetectorSet::note_time(const TickTime& now) {
    int64_t wall = 0, mono = 0, step = 0, skew = 0;
    if (last_now_ && !__builtin_sub_overflow(now.wall_ms, last_now_->wall_ms, &wall) &&
        !__builtin_sub_overflow(now.mono_ms, last_now_->mono_ms, &mono) &&
        !__builtin_sub_overflow(wall, mono, &step) &&
        (step > kClockStepMs || step < -kClockStepMs) &&
        !__builtin_sub_overflow(skew_, step, &skew))
        skew_ = skew;
    last_now_ = now;
    int64_t t = 0;
    if (!__builtin_add_overflow(now.wall_ms, skew_, &t) && (!latest_ || t > *latest_)) latest_ = t;
}

// Without monotonic time (replay) only a tick may find a step back: it says
// the time it is now. A sample says when it was read, and may come late: a Modbus device whose turn
// took 12 s (a block timing out, with retries) hands in its first block's samples 12 s after the
// tick moved on. Taken for a step, that grew the skew by 12 s, and every hold from then on ended 12
// s early.
int64_t DetectorSet::inward(int64_t t_ms, bool may_step) {
    int64_t t = 0;
    int64_t behind = 0;
    // Overflow (a fuzzed trace's times) leaves the skew as it is.
    if (__builtin_add_overflow(t_ms, skew_, &t)) return latest_.value_or(t_ms);
    int64_t skew = 0;
    const bool known = latest_ && !__builtin_sub_overflow(*latest_, t, &behind);
    if (known && behind > kClockStepMs) {
        // A sample that late counts as read now (detectors' time does not
        // run back further than kClockStepMs).
        if (may_step && !__builtin_add_overflow(skew_, behind, &skew)) skew_ = skew;
        t = *latest_;
    } else if (known && !may_step && last_now_ && behind < -kClockStepMs) {
        // Ahead of the daemon's now: stamped before a step back that the
        // skew now takes out. It was read moments ago: now.
        t = *latest_;
    }
    if (!latest_ || t > *latest_) latest_ = t;
    return t;
}

void DetectorSet::outward(std::vector<Event>& out, size_t from) const {
    if (skew_ == 0) return;
    for (size_t i = from; i < out.size(); ++i)
        if (__builtin_sub_overflow(out[i].t_ms, skew_, &out[i].t_ms)) out[i].t_ms = INT64_MIN;
}

}  // namespace gw::detectors
