#include "mode_controller.hpp"

#include <algorithm>

namespace gw::loop {
namespace {

using nlohmann::json;
constexpr const char* kKey = "mode";
// Wall time moving this much against monotonic time between two ticks is a
// step (NTP, a technician's `date`); slewing moves it by well under 1 ms.
constexpr int64_t kStepMs = 1000;

// The record adds whether its wall times were read on a synced clock (a
// record without it: taken as not).
std::string encode(const ModeState& s, bool synced) {
    json j = mode_json(s);
    j["synced"] = synced;
    return j.dump();
}

bool decode_synced(const std::string& text) {
    auto j = json::parse(text, nullptr, false);
    return j.is_object() && j.value("synced", false);
}

std::optional<ModeState> decode(const std::string& text) {
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    auto mode = mode_from_string(j.value("mode", std::string()));
    if (!mode || !j.contains("since") || !j["since"].is_number_integer()) return std::nullopt;
    ModeState s;
    s.mode = *mode;
    s.since_ms = j["since"].get<int64_t>();
    if (j.contains("until") && j["until"].is_number_integer())
        s.until_ms = j["until"].get<int64_t>();
    s.source = j.value("source", std::string("config"));
    return s;
}

bool same(const ModeState& a, const ModeState& b) {
    return a.mode == b.mode && a.until_ms == b.until_ms;
}

}  // namespace

json mode_json(const ModeState& s) {
    return {{"mode", std::string(to_string(s.mode))},
            {"since", s.since_ms},
            {"until", s.until_ms ? json(*s.until_ms) : json(nullptr)},
            {"source", s.source}};
}

ModeController::ModeController(Mode first_start, std::vector<EmergencyAutoRule> rules,
                               StateTable& table, const Clock& clock, Log& log)
    : first_start_(first_start), rules_(std::move(rules)), table_(table), clock_(clock), log_(log) {
    state_.mode = first_start;
    mode_ = first_start;
}

Result<std::optional<ModeChange>> ModeController::load() {
    auto rows = table_.all();
    if (!rows) return fail("mode: " + rows.error());
    std::optional<ModeState> stored;
    bool stored_synced = false;
    for (const auto& [key, value] : *rows)
        if (key == kKey) {
            stored = decode(value);
            stored_synced = decode_synced(value);
        }
    const int64_t now = clock_.now_ms();
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stored) {
        // First start (or an unreadable record): the config's mode.
        state_ = ModeState{first_start_, now, std::nullopt, "config"};
        mode_ = state_.mode;
        wall_offset_ = now - clock_.mono_ms();
        if (auto s = table_.put(kKey, encode(state_, clock_.synced())); !s)
            return fail("mode: " + s.error());
        return std::optional<ModeChange>();
    }
    state_ = *stored;
    mode_ = state_.mode;
    arm_expiry();
    if (state_.until_ms && *state_.until_ms <= now) {
        ModeState from = state_;
        state_ = ModeState{Mode::normal, now, std::nullopt, "expired"};
        mode_ = Mode::normal;
        until_mono_.reset();
        if (auto s = table_.put(kKey, encode(state_, clock_.synced())); !s)
            return fail("mode: " + s.error());
        return std::optional<ModeChange>(ModeChange{from, state_});
    }
    judge_end_when_synced_ = state_.until_ms && stored_synced && !clock_.synced();
    return std::optional<ModeChange>();
}

// Across a restart only wall time is kept: the time left is read from it,
// at most the emergency's whole length (a gateway that restarts with its
// clock months behind must not stay in emergency for months).
void ModeController::arm_expiry() {
    // The state's wall times are on the clock as it is now.
    wall_offset_ = clock_.now_ms() - clock_.mono_ms();
    until_mono_.reset();
    if (!state_.until_ms) return;
    const int64_t left = std::min(*state_.until_ms - clock_.now_ms(),
                                  std::max<int64_t>(0, *state_.until_ms - state_.since_ms));
    until_mono_ = clock_.mono_ms() + left;
}

ModeState ModeController::state() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return state_;
}

Result<std::optional<ModeChange>> ModeController::apply(ModeState next) {
    // Caller holds mutex_.
    if (same(state_, next)) return std::optional<ModeChange>();
    if (auto s = table_.put(kKey, encode(next, clock_.synced())); !s)
        return fail("mode not recorded: " + s.error());
    judge_end_when_synced_ = false;
    ModeChange change{state_, next};
    state_ = std::move(next);
    mode_ = state_.mode;
    arm_expiry();
    log_.info("mode", "mode changed",
              {{"from", std::string(to_string(change.from.mode))},
               {"to", std::string(to_string(change.to.mode))},
               {"until", change.to.until_ms ? std::to_string(*change.to.until_ms) : "none"},
               {"source", change.to.source}});
    return std::optional<ModeChange>(std::move(change));
}

Result<std::optional<ModeChange>> ModeController::set(Mode mode, std::optional<int64_t> duration_ms,
                                                      const std::string& source) {
    std::lock_guard<std::mutex> lock(mutex_);
    const int64_t now = clock_.now_ms();  // under the lock: see tick()
    ModeState next{mode, state_.mode == mode ? state_.since_ms : now, std::nullopt, source};
    if (mode == Mode::emergency && duration_ms) next.until_ms = now + *duration_ms;
    return apply(std::move(next));
}

std::optional<ModeChange> ModeController::tick() {
    std::lock_guard<std::mutex> lock(mutex_);
    // Read under the lock: a change made while this tick waited for it set
    // the step baseline on the clock as it is after that change.
    const int64_t now = clock_.now_ms(), mono = clock_.mono_ms();
    if (auto restated = restate_after_step(now, mono)) return restated;
    if (!until_mono_ || *until_mono_ > mono) return std::nullopt;
    auto r = apply(ModeState{Mode::normal, now, std::nullopt, "expired"});
    if (!r) {
        // Not recorded: the mode stays and the next tick tries again (the
        // record holds the expiry, so a restart falls back in any case).
        log_.error("mode", "expiry not recorded", {{"error", r.error()}});
        return std::nullopt;
    }
    return *r;
}

// The running state's wall times were read on the clock before the step.
// Its end is what counts: stored as it was, an emergency set before NTP
// stepped a gateway booted without an RTC hours forward ended at the next
// restart (its end lay hours in the past), and the center was told an end
// hours off. The monotonic end is unchanged; the wall times follow it and
// are recorded. A since loaded at a restart may already be on the right
// clock (the step sets a clock that booted behind): one the step would
// carry past now is kept (at most now). Caller holds mutex_.
std::optional<ModeChange> ModeController::restate_after_step(int64_t now, int64_t mono) {
    const int64_t offset = now - mono;
    if (!wall_offset_) wall_offset_ = offset;
    const int64_t step = offset - *wall_offset_;
    if (step > -kStepMs && step < kStepMs) return std::nullopt;
    ModeState next = state_;
    const bool stored_end = judge_end_when_synced_ && clock_.synced();
    if (stored_end) {
        // The record's times were on the right clock: its end counts, and
        // one already past ends the emergency at the next tick.
        until_mono_ = mono + std::max<int64_t>(0, *state_.until_ms - now);
    } else {
        const int64_t moved = state_.since_ms + step;
        next.since_ms = moved <= now ? moved : std::min(state_.since_ms, now);
        if (until_mono_) next.until_ms = now + std::max<int64_t>(0, *until_mono_ - mono);
    }
    if (auto s = table_.put(kKey, encode(next, clock_.synced())); !s) {
        // The baseline stays: the next tick tries again.
        log_.error("mode", "times after a clock step not recorded", {{"error", s.error()}});
        return std::nullopt;
    }
    wall_offset_ = offset;
    judge_end_when_synced_ = false;
    log_.info("mode", "wall clock stepped: mode times restated", {{"step_ms", step}});
    ModeChange change{state_, next};
    state_ = std::move(next);
    // Only an end is news to the center; a since alone waits for the next change.
    if (!state_.until_ms) return std::nullopt;
    return change;
}

// The longest of the rules that match: the first match alone gave a critical
// flood 1 h from a general rule listed before its own 12 h rule.
std::optional<ModeChange> ModeController::on_event(const Event& e) {
    if (e.state == EventState::clear) return std::nullopt;
    // What the detector found, not the severity its incident was escalated
    // to: an alarm nobody acknowledged switched the site to emergency by a
    // rule for critical findings.
    const Severity found = e.found_severity.value_or(e.severity);
    int64_t duration = -1;
    for (const auto& rule : rules_) {
        if (rule.detector != e.detector || found < rule.min_severity) continue;
        if (!rule.type.empty() && rule.type != e.type) continue;
        duration = std::max(duration, static_cast<int64_t>(rule.duration_s) * 1000);
    }
    if (duration < 0) return std::nullopt;
    std::lock_guard<std::mutex> lock(mutex_);
    const int64_t now = clock_.now_ms();  // under the lock: see tick()
    // Already in emergency at least that long (on the clock its end counts on).
    if (state_.mode == Mode::emergency &&
        (!until_mono_ || *until_mono_ >= clock_.mono_ms() + duration))
        return std::nullopt;
    ModeState next{Mode::emergency, state_.mode == Mode::emergency ? state_.since_ms : now,
                   now + duration, "auto:" + e.detector + "/" + e.type};
    auto r = apply(std::move(next));
    if (!r) {
        log_.error("mode", "automatic emergency not recorded", {{"error", r.error()}});
        return std::nullopt;
    }
    return *r;
}

}  // namespace gw::loop
