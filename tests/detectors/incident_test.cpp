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
    CHECK_FALSE(bands.classify(10, true, 1000).has_value());
    CHECK(bands.classify(15, true, 2000) == Severity::warning);
    CHECK(bands.classify(55, true, 3000) == Severity::critical);
}

TEST(LevelBands, HoldsABandUntilTheMarginIsCrossed) {
    bands.classify(31, true, 4000);
    CHECK(bands.classify(29, true, 5000) == Severity::alarm);      // within margin: still alarm
    CHECK(bands.classify(27.5, true, 6000) == Severity::alarm);    // not yet 3 below
    CHECK(bands.classify(26.5, true, 7000) == Severity::warning);  // 30 - 3 crossed
    CHECK(bands.classify(13, true, 8000) == Severity::warning);    // 15 - 3 = 12 not crossed
    CHECK_FALSE(bands.classify(12, true, 9000).has_value());
}

TEST(LevelBands, NoiseAroundAThresholdDoesNotFlap) {
    std::vector<double> noisy{14.8, 15.1, 14.9, 15.2, 14.7, 15.0, 14.6};
    int changes = 0;
    std::optional<Severity> last;
    bool first = true;
    for (double v : noisy) {
        auto s = bands.classify(v, true, 10000);
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
    CHECK(bands.classify(16, false, 11000) == Severity::warning);
    CHECK_FALSE(bands.classify(13, false, 12000).has_value());
    CHECK(bands.classify(16, false, 13000) == Severity::warning);
    CHECK(bands.classify(13, true, 14000) == Severity::warning);  // raised: held within the margin
}

// A band is kept within the margin only once the value has held it for the
// hold: one splash over a higher level escalated at once (as any rise
// does) and then held that level while the water stayed within the margin
// under it: critical for hours over one reading of 51 cm at 48 cm.
TEST(LevelBands, OneSplashOverAHigherLevelIsNotHeldWithinTheMargin) {
    LevelBands held{
        {15, 30, 50}, {Severity::warning, Severity::alarm, Severity::critical}, 3, 10'000};
    held.classify(48, true, 0);
    CHECK(held.classify(48, true, 20'000) == Severity::alarm);
    CHECK(held.classify(51, true, 21'000) == Severity::critical);  // at once
    CHECK(held.classify(48, true, 22'000) == Severity::alarm);     // not held: follows the water
    // Held for 10 s, the level is kept within the margin, as before.
    held.classify(51, true, 30'000);
    held.classify(51, true, 40'000);
    CHECK(held.classify(48, true, 41'000) == Severity::critical);
    CHECK(held.classify(46.5, true, 42'000) == Severity::alarm);  // 50 - 3 crossed
}

TEST(LevelBands, NextThresholdFollowsTheBand) {
    DOUBLES_EQUAL(15, *bands.next_threshold(), 1e-9);
    bands.classify(20, true, 15000);
    DOUBLES_EQUAL(30, *bands.next_threshold(), 1e-9);
    bands.classify(60, true, 16000);
    CHECK_FALSE(bands.next_threshold().has_value());
}
