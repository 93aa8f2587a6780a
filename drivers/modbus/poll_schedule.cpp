#include "poll_schedule.hpp"

#include <algorithm>

namespace gw::modbus {

PollSchedule::PollSchedule(std::vector<Device> devices, const PollIntervals& intervals)
    : intervals_(intervals), connect_backoff_(kMinConnectBackoffMs, longest_backoff(devices)) {
    for (const auto& d : devices) {
        State s;
        s.next_due.assign(d.blocks, 0);
        s.backoff_max_ms = d.backoff_max_ms;
        devices_.push_back(std::move(s));
    }
}

int64_t PollSchedule::longest_backoff(const std::vector<Device>& devices) {
    int64_t longest = 0;
    for (const auto& d : devices) longest = std::max(longest, d.backoff_max_ms);
    return longest;
}

bool PollSchedule::ready(size_t device, int64_t now) const {
    return now >= devices_[device].backoff_until;
}

bool PollSchedule::due(size_t device, size_t block, int64_t now) const {
    return devices_[device].next_due[block] <= now;
}

void PollSchedule::polled(size_t device, size_t block, int64_t now) {
    const int64_t interval = intervals_.block_ms(device, block);
    int64_t& next = devices_[device].next_due[block];
    next = std::max(next + interval, now);
    if (next <= now) next = now + interval;
}

void PollSchedule::failed(size_t device, int64_t now) {
    State& d = devices_[device];
    // The first backoff is one interval even where that exceeds the maximum:
    // a device polled hourly is not asked again sooner because it failed.
    d.backoff_ms = d.backoff_ms == 0 ? intervals_.device_ms(device)
                                     : std::min(d.backoff_ms * 2, d.backoff_max_ms);
    d.backoff_until = now + d.backoff_ms;
}

void PollSchedule::answered(size_t device) {
    devices_[device].backoff_ms = 0;
}

int64_t PollSchedule::next_wake(int64_t now) const {
    int64_t wake = now + kMaxIdleMs;
    for (const auto& d : devices_) {
        if (d.backoff_until > now) {
            wake = std::min(wake, d.backoff_until);
            continue;
        }
        for (int64_t due : d.next_due) wake = std::min(wake, due);
    }
    return wake;
}

int64_t PollSchedule::link_failed(int64_t now) {
    return now + connect_backoff_.next();
}

}  // namespace gw::modbus
