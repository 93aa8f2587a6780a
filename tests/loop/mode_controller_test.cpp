// The mode controller on a ManualClock: first-start mode from the config,
// the persisted mode winning after a restart unless expired, expiry back to
// normal, and the [[emergency.auto]] rules; the mode command's request.
#include "loop/mode_controller.hpp"

#include "command/loop_commands.hpp"
#include "core/log.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

using gw::Mode;
using gw::loop::ModeController;

gw::EmergencyAutoRule rule(const std::string& detector, const std::string& type, int duration_s) {
    gw::EmergencyAutoRule r;
    r.detector = detector;
    r.type = type;
    r.duration_s = duration_s;
    return r;
}

gw::Event event(const std::string& detector, const std::string& type, gw::Severity sev) {
    gw::Event e;
    e.id = "gw-1-1";
    e.detector = detector;
    e.type = type;
    e.severity = sev;
    return e;
}

// A table whose writes fail while `full` (a full disk, a locked file).
class FullableTable final : public gw::loop::StateTable {
  public:
    bool full = false;
    gw::Status put(const std::string& key, const std::string& value) override {
        if (full) return gw::fail("database or disk is full");
        return rows_.put(key, value);
    }
    gw::Status erase(const std::string& key) override { return rows_.erase(key); }
    gw::Result<std::vector<std::pair<std::string, std::string>>> all() override {
        return rows_.all();
    }

  private:
    gw::loop::MemoryStateTable rows_;
};

}  // namespace

TEST_GROUP(ModeController) {
    gw::ManualClock clock{1700000000000};
    gw::Log log{gw::LogLevel::error};
    gw::loop::MemoryStateTable table;
};

TEST(ModeController, FirstStartTakesTheConfigsMode) {
    ModeController m(Mode::emergency, {}, table, clock, log);
    auto r = m.load();
    CHECK(r.ok());
    CHECK_FALSE(r->has_value());
    CHECK(m.mode() == Mode::emergency);
    STRCMP_EQUAL("config", m.state().source.c_str());
    CHECK_FALSE(m.state().until_ms.has_value());
}

TEST(ModeController, PersistedModeWinsOverTheConfigAfterARestart) {
    {
        ModeController m(Mode::normal, {}, table, clock, log);
        CHECK(m.load().ok());
        auto r = m.set(Mode::emergency, 3600000, "command:req-1");
        CHECK(r.ok());
        CHECK(r->has_value());
        CHECK((*r)->from.mode == Mode::normal);
        CHECK((*r)->to.mode == Mode::emergency);
        LONGS_EQUAL(clock.now_ms() + 3600000, *(*r)->to.until_ms);
    }
    clock.advance(1000);
    ModeController m(Mode::normal, {}, table, clock, log);
    auto r = m.load();
    CHECK(r.ok());
    CHECK_FALSE(r->has_value());
    CHECK(m.mode() == Mode::emergency);
    STRCMP_EQUAL("command:req-1", m.state().source.c_str());
}

TEST(ModeController, ExpiredWhileDownStartsNormal) {
    {
        ModeController m(Mode::normal, {}, table, clock, log);
        CHECK(m.load().ok());
        CHECK(m.set(Mode::emergency, 60000, "control").ok());
    }
    clock.advance(60000);
    ModeController m(Mode::emergency, {}, table, clock, log);
    auto r = m.load();
    CHECK(r.ok());
    CHECK(r->has_value());  // the fall-back is announced
    CHECK(m.mode() == Mode::normal);
    STRCMP_EQUAL("expired", m.state().source.c_str());
}

TEST(ModeController, ExpiryFallsBackToNormalAtTick) {
    ModeController m(Mode::normal, {}, table, clock, log);
    CHECK(m.load().ok());
    CHECK(m.set(Mode::emergency, 5000, "control").ok());
    clock.advance(4999);
    CHECK_FALSE(m.tick().has_value());
    CHECK(m.mode() == Mode::emergency);
    clock.advance(1);
    auto c = m.tick();
    CHECK(c.has_value());
    CHECK(c->to.mode == Mode::normal);
    CHECK(m.mode() == Mode::normal);
    CHECK_FALSE(m.tick().has_value());
}

// The emergency's end counts on the monotonic clock: a command that came
// before NTP stepped the wall clock (hours, on a gateway without an RTC)
// keeps its duration. It used to end at the first tick after the step.
TEST(ModeController, AWallClockStepDoesNotEndTheEmergency) {
    ModeController m(Mode::normal, {}, table, clock, log);
    CHECK(m.load().ok());
    CHECK(m.set(Mode::emergency, 3600000, "control").ok());
    clock.step_wall(6 * 3600 * 1000LL);
    auto restated = m.tick();  // the end on the new clock, same mode
    CHECK(restated.has_value());
    CHECK(restated->to.mode == Mode::emergency);
    CHECK_FALSE(m.tick().has_value());
    clock.advance(3599999);
    CHECK_FALSE(m.tick().has_value());
    CHECK(m.mode() == Mode::emergency);
    clock.advance(1);
    CHECK(m.tick().has_value());
    CHECK(m.mode() == Mode::normal);
}

// The wall times of an emergency set before a step are restated on the
// new clock and recorded: stored as they were, its end lay hours in the
// past, and the next restart ended it at once; the center was told an end
// hours off. Its since moves with the step too.
TEST(ModeController, AnEmergencySetBeforeAClockStepOutlivesARestart) {
    const int64_t step = 6 * 3600 * 1000LL;
    int64_t since = 0;
    {
        ModeController m(Mode::normal, {}, table, clock, log);
        CHECK(m.load().ok());
        CHECK(m.set(Mode::emergency, 3600000, "command:r1").ok());
        since = m.state().since_ms;
        clock.advance(600000);
        CHECK_FALSE(m.tick().has_value());
        clock.step_wall(step);
        auto c = m.tick();
        CHECK(c.has_value());
        LONGS_EQUAL(clock.now_ms() + 3000000, *c->to.until_ms);
        LONGS_EQUAL(since + step, c->to.since_ms);
        STRCMP_EQUAL("command:r1", c->to.source.c_str());
        CHECK_FALSE(m.tick().has_value());
    }
    clock.advance(600000);
    ModeController m(Mode::normal, {}, table, clock, log);
    auto r = m.load();
    CHECK(r.ok());
    CHECK_FALSE(r->has_value());
    CHECK(m.mode() == Mode::emergency);
    clock.advance(2399999);
    CHECK_FALSE(m.tick().has_value());
    clock.advance(1);
    CHECK(m.tick().has_value());
    CHECK(m.mode() == Mode::normal);
}

// Restarted with its clock behind (no RTC), then set by NTP: the times
// stored before the restart were on the right clock already. Moved by the
// step, the since lay in the future, after the end, and the next restart
// ended the emergency at once.
TEST(ModeController, AStepAfterARestartWithTheClockBehindKeepsTheStoredSince) {
    const int64_t behind = 90LL * 24 * 3600 * 1000;
    int64_t since = 0;
    {
        ModeController m(Mode::normal, {}, table, clock, log);
        CHECK(m.load().ok());
        CHECK(m.set(Mode::emergency, 3600000, "control").ok());
        since = m.state().since_ms;
    }
    clock.step_wall(-behind);
    {
        ModeController m(Mode::normal, {}, table, clock, log);
        CHECK(m.load().ok());
        CHECK_FALSE(m.tick().has_value());
        clock.advance(600000);
        clock.step_wall(behind);
        auto c = m.tick();
        CHECK(c.has_value());
        LONGS_EQUAL(since, c->to.since_ms);
        LONGS_EQUAL(clock.now_ms() + 3000000, *c->to.until_ms);
    }
    ModeController m(Mode::normal, {}, table, clock, log);
    auto r = m.load();
    CHECK(r.ok());
    CHECK_FALSE(r->has_value());
    CHECK(m.mode() == Mode::emergency);
    clock.advance(3000000);
    CHECK(m.tick().has_value());
    CHECK(m.mode() == Mode::normal);
}

// Cut off 10 h into a 12 h emergency, back 1 h later on a clock that boots
// behind (no RTC), set by NTP a minute after: the record's end counts. The
// emergency got its whole length again from the restart (the monotonic end
// armed at the start, kept through the step) and ended 11 h late.
TEST(ModeController, AtSyncAfterARestartTheRecordedEndCounts) {
    const int64_t behind = 90LL * 24 * 3600 * 1000;
    const int64_t hour = 3600 * 1000;
    int64_t until = 0;
    {
        ModeController m(Mode::normal, {}, table, clock, log);
        CHECK(m.load().ok());
        CHECK(m.set(Mode::emergency, 12 * hour, "center").ok());
        until = *m.state().until_ms;
        clock.advance(10 * hour);
        CHECK_FALSE(m.tick().has_value());
    }
    clock.advance(hour);  // down
    clock.step_wall(-behind);
    clock.set_synced(false);
    ModeController m(Mode::normal, {}, table, clock, log);
    CHECK(m.load().ok());
    CHECK(m.mode() == Mode::emergency);
    CHECK_FALSE(m.tick().has_value());
    clock.advance(60000);
    clock.step_wall(behind);
    clock.set_synced(true);
    auto c = m.tick();
    CHECK(c.has_value());
    LONGS_EQUAL(until, *c->to.until_ms);
    clock.advance(until - clock.now_ms() - 1000);
    CHECK_FALSE(m.tick().has_value());
    CHECK(m.mode() == Mode::emergency);
    clock.advance(1000);
    CHECK(m.tick().has_value());
    CHECK(m.mode() == Mode::normal);
}

// ... and an emergency whose end passed while the gateway was down ends at
// the sync; it ran again for its whole length.
TEST(ModeController, AnEndThatPassedWhileDownEndsTheEmergencyAtTheSync) {
    const int64_t behind = 90LL * 24 * 3600 * 1000;
    const int64_t hour = 3600 * 1000;
    {
        ModeController m(Mode::normal, {}, table, clock, log);
        CHECK(m.load().ok());
        CHECK(m.set(Mode::emergency, 2 * hour, "center").ok());
        clock.advance(hour);
        CHECK_FALSE(m.tick().has_value());
    }
    clock.advance(3 * hour);  // down past the end
    clock.step_wall(-behind);
    clock.set_synced(false);
    ModeController m(Mode::normal, {}, table, clock, log);
    CHECK(m.load().ok());
    CHECK(m.mode() == Mode::emergency);
    clock.advance(60000);
    clock.step_wall(behind);
    clock.set_synced(true);
    (void)m.tick();  // the end restated
    auto end = m.tick();
    CHECK(end.has_value());
    CHECK(m.mode() == Mode::normal);
    STRCMP_EQUAL("expired", end->to.source.c_str());
}

// A step before the first tick after the very first start moves the
// since the config's mode was given: the clock it was read on is the one
// before the step. The first tick used to take the stepped clock as the
// baseline, leaving the since hours off.
TEST(ModeController, AStepBeforeTheFirstTickAfterTheFirstStartMovesTheSince) {
    ModeController m(Mode::normal, {}, table, clock, log);
    CHECK(m.load().ok());
    const int64_t since = m.state().since_ms;
    clock.advance(1000);
    clock.step_wall(6 * 3600 * 1000LL);
    CHECK_FALSE(m.tick().has_value());  // no end: nothing to tell the center
    LONGS_EQUAL(since + 6 * 3600 * 1000LL, m.state().since_ms);
}

// Times restated after a step that could not be recorded are restated at
// a later tick: the step stays measured from the clock they were read on.
// Taken as the new baseline at once, the failed restatement was never made
// again, and the record kept an end hours in the past.
TEST(ModeController, TimesNotRecordedAfterAStepAreRestatedAtALaterTick) {
    FullableTable flaky;
    ModeController m(Mode::normal, {}, flaky, clock, log);
    CHECK(m.load().ok());
    CHECK(m.set(Mode::emergency, 3600000, "control").ok());
    const int64_t until = *m.state().until_ms;
    clock.step_wall(6 * 3600 * 1000LL);
    flaky.full = true;
    CHECK_FALSE(m.tick().has_value());
    LONGS_EQUAL(until, *m.state().until_ms);
    flaky.full = false;
    auto c = m.tick();
    CHECK(c.has_value());
    LONGS_EQUAL(clock.now_ms() + 3600000, *c->to.until_ms);
    // Recorded: a restart keeps the restated end.
    ModeController again(Mode::normal, {}, flaky, clock, log);
    CHECK(again.load().ok());
    LONGS_EQUAL(clock.now_ms() + 3600000, *again.state().until_ms);
}

// A change made after a step and before the tick that would see it is on
// the new clock already: not moved again.
TEST(ModeController, AChangeMadeAfterAStepIsNotMovedAgain) {
    ModeController m(Mode::normal, {}, table, clock, log);
    CHECK(m.load().ok());
    clock.step_wall(3600000);
    CHECK(m.set(Mode::emergency, 600000, "control").ok());
    const auto until = *m.state().until_ms;
    CHECK_FALSE(m.tick().has_value());
    LONGS_EQUAL(until, *m.state().until_ms);
}

// After a step, a shorter [[emergency.auto]] rule still does not cut the
// emergency short: "at least that long" is asked of the monotonic end too.
TEST(ModeController, AWallClockStepDoesNotLetAShorterRuleCutTheEmergencyShort) {
    ModeController m(Mode::normal, {rule("fire-1", "", 600)}, table, clock, log);
    CHECK(m.load().ok());
    CHECK(m.set(Mode::emergency, 3600000, "control").ok());
    clock.step_wall(5 * 3600 * 1000LL);
    CHECK_FALSE(m.on_event(event("fire-1", "smoke", gw::Severity::critical)).has_value());
    auto restated = m.tick();  // its end restated on the new clock
    CHECK(restated.has_value() && restated->to.mode == Mode::emergency);
    clock.advance(3599999);
    CHECK_FALSE(m.tick().has_value());
    clock.advance(1);
    CHECK(m.tick().has_value());
}

// Restarted with its clock far behind (no RTC, before NTP), a gateway keeps
// an emergency at most its whole length, not until the wall clock of its
// end comes round again.
TEST(ModeController, ARestartWithTheClockBehindKeepsTheEmergencyAtMostItsLength) {
    {
        ModeController m(Mode::normal, {}, table, clock, log);
        CHECK(m.load().ok());
        CHECK(m.set(Mode::emergency, 3600000, "control").ok());
    }
    clock.step_wall(-90LL * 24 * 3600 * 1000);
    ModeController m(Mode::normal, {}, table, clock, log);
    auto r = m.load();
    CHECK(r.ok());
    CHECK_FALSE(r->has_value());
    CHECK(m.mode() == Mode::emergency);
    clock.advance(3600000);
    CHECK(m.tick().has_value());
    CHECK(m.mode() == Mode::normal);
}

TEST(ModeController, EmergencyWithoutDurationLastsUntilChanged) {
    ModeController m(Mode::normal, {}, table, clock, log);
    CHECK(m.load().ok());
    CHECK(m.set(Mode::emergency, std::nullopt, "control").ok());
    clock.advance(30LL * 86400000);
    CHECK_FALSE(m.tick().has_value());
    CHECK(m.mode() == Mode::emergency);
    auto again = m.set(Mode::emergency, std::nullopt, "control");
    CHECK(again.ok());
    CHECK_FALSE(again->has_value());  // nothing changed
    auto back = m.set(Mode::normal, std::nullopt, "command:r2");
    CHECK(back.ok());
    CHECK(back->has_value());
    CHECK(m.mode() == Mode::normal);
}

TEST(ModeController, AutoRuleEntersEmergencyForItsDuration) {
    ModeController m(Mode::normal, {rule("flood-1", "water_depth", 7200), rule("fire-1", "", 600)},
                     table, clock, log);
    CHECK(m.load().ok());
    CHECK_FALSE(m.on_event(event("flood-1", "water_depth", gw::Severity::warning)).has_value());
    CHECK_FALSE(m.on_event(event("flood-1", "gauge_fault", gw::Severity::alarm)).has_value());
    CHECK_FALSE(m.on_event(event("flood-2", "water_depth", gw::Severity::alarm)).has_value());
    CHECK(m.mode() == Mode::normal);
    auto c = m.on_event(event("flood-1", "water_depth", gw::Severity::alarm));
    CHECK(c.has_value());
    CHECK(m.mode() == Mode::emergency);
    STRCMP_EQUAL("auto:flood-1/water_depth", m.state().source.c_str());
    LONGS_EQUAL(clock.now_ms() + 7200000, *m.state().until_ms);
    // A shorter rule does not cut it short; a later match of the same extends it.
    CHECK_FALSE(m.on_event(event("fire-1", "smoke", gw::Severity::critical)).has_value());
    clock.advance(1000);
    CHECK(m.on_event(event("flood-1", "water_depth", gw::Severity::critical)).has_value());
    LONGS_EQUAL(clock.now_ms() + 7200000, *m.state().until_ms);
    clock.advance(7200000);
    CHECK(m.tick().has_value());
    CHECK(m.mode() == Mode::normal);
}

// Of the rules that match, the longest counts, wherever it is in the file.
TEST(ModeController, TheLongestMatchingRuleCountsNotTheFirst) {
    auto critical = rule("flood-1", "water_depth", 43200);
    critical.min_severity = gw::Severity::critical;
    ModeController m(Mode::normal, {rule("flood-1", "", 3600), critical}, table, clock, log);
    CHECK(m.load().ok());
    CHECK(m.on_event(event("flood-1", "water_depth", gw::Severity::alarm)).has_value());
    LONGS_EQUAL(clock.now_ms() + 3600000, *m.state().until_ms);
    clock.advance(1000);
    CHECK(m.on_event(event("flood-1", "water_depth", gw::Severity::critical)).has_value());
    LONGS_EQUAL(clock.now_ms() + 43200000, *m.state().until_ms);
}

TEST(ModeController, SurvivesARestartInSqlite) {
    gw::test::TempDir dir;
    const std::string path = dir.path() + "/store.db";
    {
        auto t = gw::loop::SqliteStateTable::open(path, "mode_state");
        CHECK(t.ok());
        ModeController m(Mode::normal, {}, **t, clock, log);
        CHECK(m.load().ok());
        CHECK(m.set(Mode::emergency, 600000, "control").ok());
    }
    auto t = gw::loop::SqliteStateTable::open(path, "mode_state");
    CHECK(t.ok());
    ModeController m(Mode::normal, {}, **t, clock, log);
    CHECK(m.load().ok());
    CHECK(m.mode() == Mode::emergency);
    LONGS_EQUAL(clock.now_ms() + 600000, *m.state().until_ms);
}

// The mode command's request, checked (the router's check) and parsed (the
// command) by one function: what the check lets through, the command runs.
TEST_GROUP(ModeRequest){};

TEST(ModeRequest, TheModesAreNamedFromTheirTable) {
    using gw::command::mode_request_error;
    STRCMP_EQUAL("", mode_request_error({{"id", "m"}, {"mode", "emergency"}}).c_str());
    STRCMP_EQUAL(
        "", mode_request_error({{"id", "m"}, {"mode", "emergency"}, {"duration_s", 60}}).c_str());
    STRCMP_EQUAL("mode: \"normal\" or \"emergency\"",
                 mode_request_error({{"id", "m"}, {"mode", "panic"}}).c_str());
    STRCMP_EQUAL("duration_s: only with mode \"emergency\"",
                 mode_request_error({{"id", "m"}, {"mode", "normal"}, {"duration_s", 60}}).c_str());
    STRCMP_EQUAL("duration_s: an integer of 1-604800 seconds",
                 mode_request_error({{"mode", "emergency"}, {"duration_s", 604801}}).c_str());
    STRCMP_EQUAL("request must be an object", mode_request_error(nlohmann::json::array()).c_str());
}
