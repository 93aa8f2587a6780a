#include "detectors/incident.hpp"

#include <optional>
#include <vector>

#include <CppUTest/TestHarness.h>

using gw::EventState;
using gw::Severity;
using gw::detectors::IncidentTracker;
using gw::detectors::LevelBands;
using gw::detectors::Observation;

namespace {
Observation at(std::optional<Severity> s, double v = 0) {
    Observation o;
    o.severity = s;
    o.value = v;
    return o;
}
}  // namespace

TEST_GROUP(Incident) {
    gw::EventIdSource ids{"gw", 1};
    IncidentTracker tracker{{"flood-1", "flood", "water_depth", "cm", 10'000, 60'000}, ids};
};

TEST(Incident, RaisesOnlyAfterTheHold) {
    CHECK_FALSE(tracker.observe(0, at(Severity::warning)));
    CHECK_FALSE(tracker.observe(9'999, at(Severity::warning)));
    auto e = tracker.observe(10'000, at(Severity::warning, 16));
    CHECK(e.has_value());
    CHECK(e->state == EventState::raise);
    CHECK(e->severity == Severity::warning);
    STRCMP_EQUAL(e->id.c_str(), e->incident.c_str());
    STRCMP_EQUAL("water_depth", e->type.c_str());
    DOUBLES_EQUAL(16, e->value, 1e-9);
}

TEST(Incident, ABriefBlipRaisesNothing) {
    CHECK_FALSE(tracker.observe(0, at(Severity::alarm)));
    CHECK_FALSE(tracker.observe(5'000, at(std::nullopt)));
    CHECK_FALSE(tracker.observe(12'000, at(Severity::alarm)));
    CHECK_FALSE(tracker.active());
}

TEST(Incident, EscalatesAtOnceAndKeepsTheIncidentId) {
    tracker.observe(0, at(Severity::warning));
    auto raise = tracker.observe(10'000, at(Severity::warning));
    auto up = tracker.observe(11'000, at(Severity::critical));
    CHECK(up.has_value());
    CHECK(up->state == EventState::update);
    CHECK(up->severity == Severity::critical);
    STRCMP_EQUAL(raise->id.c_str(), up->incident.c_str());
    CHECK(up->id != raise->id);
}

TEST(Incident, DeescalatesOnlyAfterTheClearHold) {
    tracker.observe(0, at(Severity::alarm));
    tracker.observe(10'000, at(Severity::alarm));
    CHECK_FALSE(tracker.observe(20'000, at(Severity::warning)));
    CHECK_FALSE(tracker.observe(79'999, at(Severity::warning)));
    auto down = tracker.observe(80'000, at(Severity::warning));
    CHECK(down.has_value());
    CHECK(down->state == EventState::update);
    CHECK(down->severity == Severity::warning);
}

TEST(Incident, ClearsAfterTheHoldAndANewIncidentGetsANewId) {
    tracker.observe(0, at(Severity::warning));
    auto raise = tracker.observe(10'000, at(Severity::warning));
    CHECK_FALSE(tracker.observe(20'000, at(std::nullopt)));
    auto clear = tracker.observe(80'000, at(std::nullopt));
    CHECK(clear.has_value());
    CHECK(clear->state == EventState::clear);
    STRCMP_EQUAL(raise->id.c_str(), clear->incident.c_str());
    CHECK_FALSE(tracker.active());
    tracker.observe(90'000, at(Severity::warning));
    auto again = tracker.observe(100'000, at(Severity::warning));
    CHECK(again->state == EventState::raise);
    CHECK(again->incident != raise->incident);
}

TEST(Incident, ReturningConditionCancelsTheClear) {
    tracker.observe(0, at(Severity::warning));
    tracker.observe(10'000, at(Severity::warning));
    tracker.observe(20'000, at(std::nullopt));
    CHECK_FALSE(tracker.observe(50'000, at(Severity::warning)));
    CHECK_FALSE(tracker.observe(100'000, at(Severity::warning)));
    CHECK(tracker.active());
}

// Holds under way when the condition cannot be judged (clear hold: 60 s).
TEST(Incident, AGlitchShorterThanTheClearHoldLeavesTheRaiseHoldGoingOn) {
    CHECK_FALSE(tracker.observe(0, at(Severity::alarm)));
    tracker.unknown(4'000);
    tracker.unknown(5'000);
    auto e = tracker.observe(10'000, at(Severity::alarm));
    CHECK(e.has_value());
    CHECK(e->state == EventState::raise);
}

TEST(Incident, ALongUnknownSpellEndsTheRaiseHold) {
    CHECK_FALSE(tracker.observe(0, at(Severity::alarm)));
    for (int64_t t = 1'000; t <= 61'000; t += 1'000) tracker.unknown(t);
    CHECK_FALSE(tracker.observe(62'000, at(Severity::alarm)));
    CHECK_FALSE(tracker.observe(71'999, at(Severity::alarm)));
    auto e = tracker.observe(72'000, at(Severity::alarm));
    CHECK(e.has_value());
    CHECK(e->state == EventState::raise);
}

TEST(Incident, ALongUnknownSpellEndsTheClearHoldAndKeepsTheIncident) {
    tracker.observe(0, at(Severity::warning));
    tracker.observe(10'000, at(Severity::warning));
    CHECK_FALSE(tracker.observe(20'000, at(std::nullopt)));
    for (int64_t t = 30'000; t <= 90'000; t += 1'000) tracker.unknown(t);
    CHECK(tracker.active());
    // The clear needs its whole hold of readings after the spell.
    CHECK_FALSE(tracker.observe(95'000, at(std::nullopt)));
    CHECK_FALSE(tracker.observe(154'999, at(std::nullopt)));
    auto clear = tracker.observe(155'000, at(std::nullopt));
    CHECK(clear.has_value());
    CHECK(clear->state == EventState::clear);
}

TEST_GROUP(LevelBands) {
    LevelBands bands{{15, 30, 50}, {Severity::warning, Severity::alarm, Severity::critical}, 3};
};

TEST(LevelBands, ClassifiesUpwardsImmediately) {
    // While the incident is active (the hysteresis would not matter here).
    CHECK_FALSE(bands.classify(10, true).has_value());
    CHECK(bands.classify(15, true) == Severity::warning);
    CHECK(bands.classify(55, true) == Severity::critical);
}

TEST(LevelBands, HoldsABandUntilTheMarginIsCrossed) {
    bands.classify(31, true);
    CHECK(bands.classify(29, true) == Severity::alarm);      // within margin: still alarm
    CHECK(bands.classify(27.5, true) == Severity::alarm);    // not yet 3 below
    CHECK(bands.classify(26.5, true) == Severity::warning);  // 30 - 3 crossed
    CHECK(bands.classify(13, true) == Severity::warning);    // 15 - 3 = 12 not crossed
    CHECK_FALSE(bands.classify(12, true).has_value());
}

TEST(LevelBands, NoiseAroundAThresholdDoesNotFlap) {
    std::vector<double> noisy{14.8, 15.1, 14.9, 15.2, 14.7, 15.0, 14.6};
    int changes = 0;
    std::optional<Severity> last;
    bool first = true;
    for (double v : noisy) {
        auto s = bands.classify(v, true);
        if (!first && s != last) ++changes;
        last = s;
        first = false;
    }
    LONGS_EQUAL(1, changes);  // entered warning once, never left
}

// Before the incident is raised there is no hysteresis: one spike into a
// band must not hold it while the value stays under the threshold, or the
// raise hold counts the spike instead of the water.
TEST(LevelBands, ASpikeDoesNotHoldABandBeforeTheIncidentIsRaised) {
    CHECK(bands.classify(16, false) == Severity::warning);
    CHECK_FALSE(bands.classify(13, false).has_value());
    CHECK(bands.classify(16, false) == Severity::warning);
    CHECK(bands.classify(13, true) == Severity::warning);  // raised: held within the margin
}

TEST(LevelBands, NextThresholdFollowsTheBand) {
    DOUBLES_EQUAL(15, *bands.next_threshold(), 1e-9);
    bands.classify(20, true);
    DOUBLES_EQUAL(30, *bands.next_threshold(), 1e-9);
    bands.classify(60, true);
    CHECK_FALSE(bands.next_threshold().has_value());
}
