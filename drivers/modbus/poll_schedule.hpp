#pragma once
// When each read block of a bus is due, how long a failed device is backed
// off and when a lost link is tried again. Pure, on monotonic milliseconds
// from the one Clock (Clock::mono_ms): the bus thread asks it what to poll
// now and until when to sleep; unit tests drive it with ManualClock.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/backoff.hpp"

namespace gw::modbus {

// Where poll intervals come from, asked every time a next due time or a
// first backoff is computed (never cached): an owner that changes them at
// runtime (the emergency mode, issue 13) is followed at once: a block's next
// poll moves to its last slot plus the interval it has now.
class PollIntervals {
  public:
    virtual ~PollIntervals() = default;
    // How long block `block` of device `device` waits between polls.
    virtual int64_t block_ms(size_t device, size_t block) const = 0;
    // The device's own interval: where a failed device's backoff starts.
    virtual int64_t device_ms(size_t device) const = 0;
};

class PollSchedule {
  public:
    struct Device {
        size_t blocks = 0;           // read blocks of the device
        int64_t backoff_max_ms = 0;  // longest a failed device waits
    };
    // The longest the bus thread sleeps when nothing is due sooner.
    static constexpr int64_t kMaxIdleMs = 1000;
    // The first wait after a failed connect (unless every backoff_max_ms is shorter).
    static constexpr int64_t kMinConnectBackoffMs = 200;

    // Every block is due at once. `intervals` must outlive the schedule.
    PollSchedule(std::vector<Device> devices, const PollIntervals& intervals);

    // Whether `device` may be polled at `now`: it is not backed off.
    bool ready(size_t device, int64_t now) const;
    bool due(size_t device, size_t block, int64_t now) const;
    // The block is polled at `now`: it is due again one interval after the
    // slot it was due in. Slots missed by a late poll are not caught up in
    // a burst: then the next poll is one interval after the late one.
    void polled(size_t device, size_t block, int64_t now);
    // The device failed at `now`: it is not polled for its backoff, which
    // starts at its interval and doubles up to its backoff_max_ms.
    void failed(size_t device, int64_t now);
    // The device answered: its next failure starts the backoff afresh.
    void answered(size_t device);
    // One block failed while the device answers its others (a register
    // range it never answers), after polled(): that block alone is backed
    // off, as a failed device is (from one interval, doubling), and the
    // device's other blocks stay on time.
    void block_failed(size_t device, size_t block);
    // The block answered: its next failure starts its backoff afresh.
    void block_answered(size_t device, size_t block);
    // Failed alone since it last answered (it is backed off on its own).
    bool failing_alone(size_t device, size_t block) const {
        return devices_[device].block_backoff[block] > 0;
    }
    // When the bus thread should wake: the earliest due block of a device
    // not backed off, or the end of a backoff; at most kMaxIdleMs after now.
    int64_t next_wake(int64_t now) const;

    // The bus link failed to connect at `now`: when to try again (200 ms,
    // doubling up to the longest backoff_max_ms of the bus's devices).
    int64_t link_failed(int64_t now);
    // The link is up: the next connect failure starts from 200 ms again.
    void link_up() { connect_backoff_.reset(); }

    int64_t backoff_ms(size_t device) const { return devices_[device].backoff_ms; }

  private:
    struct State {
        std::vector<int64_t> next_due;       // per block
        std::vector<int64_t> planned_ms;     // per block: the interval next_due was planned with
        std::vector<int64_t> block_backoff;  // per block, 0: not failing alone
        int64_t backoff_max_ms = 0;
        int64_t backoff_ms = 0;
        int64_t backoff_until = 0;
    };
    static int64_t longest_backoff(const std::vector<Device>& devices);
    // When the block is due, at the interval it has now.
    int64_t due_at(size_t device, size_t block) const;
    // The next backoff after `current` (0: none yet), starting at `interval`.
    static int64_t next_backoff(int64_t current, int64_t interval, int64_t max_ms);

    const PollIntervals& intervals_;
    std::vector<State> devices_;
    drivers::Backoff connect_backoff_;
};

}  // namespace gw::modbus
