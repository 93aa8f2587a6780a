#include "poll_schedule.hpp"

#include <algorithm>

namespace gw::modbus {

PollSchedule::PollSchedule(std::vector<Device> devices, const PollIntervals& intervals)
    : intervals_(intervals), connect_backoff_(kMinConnectBackoffMs, longest_backoff(devices)) {
    for (const auto& d : devices) {
        State s;
        s.next_due.assign(d.blocks, 0);
        s.planned_ms.assign(d.blocks, 0);
        s.block_backoff.assign(d.blocks, 0);
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

// Planned with the interval of its last poll; an interval changed since
// (the emergency mode) moves it at once: a site switched to emergency was
// polled at its normal rate until the slot planned before came, up to a
// whole normal interval (minutes for a slow gauge).
int64_t PollSchedule::due_at(size_t device, size_t block) const {
    const State& d = devices_[device];
    if (d.planned_ms[block] == 0) return d.next_due[block];
    return d.next_due[block] - d.planned_ms[block] + intervals_.block_ms(device, block);
}

bool PollSchedule::due(size_t device, size_t block, int64_t now) const {
    return due_at(device, block) <= now;
}

void PollSchedule::polled(size_t device, size_t block, int64_t now) {
    const int64_t interval = intervals_.block_ms(device, block);
    const int64_t slot = due_at(device, block);
    int64_t next = std::max(slot + interval, now);
    if (next <= now) next = now + interval;
    devices_[device].next_due[block] = next;
    devices_[device].planned_ms[block] = interval;
}

// The first backoff is one interval even where that exceeds the maximum:
// a device polled hourly is not asked again sooner because it failed.
int64_t PollSchedule::next_backoff(int64_t current, int64_t interval, int64_t max_ms) {
    return current == 0 ? interval : std::min(current * 2, max_ms);
}

void PollSchedule::failed(size_t device, int64_t now) {
    State& d = devices_[device];
    d.backoff_ms = next_backoff(d.backoff_ms, intervals_.device_ms(device), d.backoff_max_ms);
    d.backoff_until = now + d.backoff_ms;
}

void PollSchedule::answered(size_t device) {
    devices_[device].backoff_ms = 0;
}

// From the slot polled() set, not from the failure's time: the block stays
// on its device's grid and is asked in the same turns as the others (a
// block asked alone, after a timeout, is a turn the device did not answer).
void PollSchedule::block_failed(size_t device, size_t block) {
    State& d = devices_[device];
    const int64_t interval = intervals_.block_ms(device, block);
    int64_t& backoff = d.block_backoff[block];
    backoff = next_backoff(backoff, interval, d.backoff_max_ms);
    d.next_due[block] += std::max<int64_t>(0, backoff - interval);
}

void PollSchedule::block_answered(size_t device, size_t block) {
    devices_[device].block_backoff[block] = 0;
}

int64_t PollSchedule::next_wake(int64_t now) const {
    int64_t wake = now + kMaxIdleMs;
    for (size_t device = 0; device < devices_.size(); ++device) {
        const State& d = devices_[device];
        if (d.backoff_until > now) {
            wake = std::min(wake, d.backoff_until);
            continue;
        }
        for (size_t b = 0; b < d.next_due.size(); ++b) wake = std::min(wake, due_at(device, b));
    }
    return wake;
}

int64_t PollSchedule::link_failed(int64_t now) {
    return now + connect_backoff_.next();
}

}  // namespace gw::modbus
