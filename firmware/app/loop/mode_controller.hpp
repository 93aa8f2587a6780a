#pragma once
// The gateway's operating mode (issue 13): normal or emergency, since when,
// until when (optional) and who set it (`config`, `command:<request id>`,
// `control`, `auto:<detector>/<type>`, `expired`). Pure: time from the one
// Clock (wall ms: an expiry outlives a restart), state in a StateTable.
//
// [gateway] mode is the mode of the first start; after a restart the
// persisted mode wins unless it expired (then normal). tick() ends an expired
// emergency. mode() is what the pollers, the telemetry reporter and the
// cameras ask each time they schedule: a cheap atomic read.
// Every change is returned as a ModeChange: the caller sends the
// mode_changed event and republishes the status.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/mode.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "state_table.hpp"

namespace gw::loop {

struct ModeState {
    Mode mode = Mode::normal;
    int64_t since_ms = 0;
    std::optional<int64_t> until_ms;  // emergency only; none: until changed
    std::string source = "config";
};

struct ModeChange {
    ModeState from, to;
};

class ModeController final : public ModeView {
  public:
    ModeController(Mode first_start, std::vector<EmergencyAutoRule> rules, StateTable& table,
                   const Clock& clock, Log& log);

    // The persisted mode, unless expired; else the first-start mode. A
    // change from what was persisted (expiry) is returned.
    Result<std::optional<ModeChange>> load();
    Mode mode() const override { return mode_.load(); }
    ModeState state() const;

    // Sets the mode; `duration_ms` only for emergency (none: until changed).
    // Recorded durably before it takes effect. Setting what already holds
    // (same mode and end) is no change.
    Result<std::optional<ModeChange>> set(Mode mode, std::optional<int64_t> duration_ms,
                                          const std::string& source);
    // An emergency whose end has come falls back to normal. After a step of
    // the wall clock, the state's wall times are restated on the new clock
    // (an emergency with an end: returned as a change, same mode).
    std::optional<ModeChange> tick();
    // An event matching an [[emergency.auto]] rule enters emergency for the
    // rule's duration (or extends a running one that would end sooner).
    std::optional<ModeChange> on_event(const Event& e);

  private:
    Result<std::optional<ModeChange>> apply(ModeState next);
    void arm_expiry();  // until_mono_ from state_ (caller holds mutex_)
    std::optional<ModeChange> restate_after_step(int64_t now, int64_t mono);

    Mode first_start_;
    std::vector<EmergencyAutoRule> rules_;
    StateTable& table_;
    const Clock& clock_;
    Log& log_;
    mutable std::mutex mutex_;
    ModeState state_;
    // When the emergency ends, on the monotonic clock: state_.until_ms is
    // wall time (the contract's), and an NTP step of the wall clock (a
    // gateway without an RTC boots behind) must not end it early or late.
    std::optional<int64_t> until_mono_;
    // Wall minus monotonic time when state_'s wall times were last read or
    // written (arm_expiry, tick): a change is a step.
    std::optional<int64_t> wall_offset_;
    // Loaded at a start on an unsynced clock (no RTC: it boots behind) from
    // a record written on a synced one: once the clock is synced, the
    // record's end is the end. Judged from the monotonic end armed at the
    // start instead, an emergency got its whole length again from the
    // restart, and one whose end passed while the gateway was down ran
    // again. Reset by any change made in this run.
    bool judge_end_when_synced_ = false;
    std::atomic<Mode> mode_{Mode::normal};
};

// The details of a mode_changed event and of status replies.
nlohmann::json mode_json(const ModeState& s);

}  // namespace gw::loop
