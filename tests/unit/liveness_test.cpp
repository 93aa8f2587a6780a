// The rule the daemon feeds systemd's watchdog by: every worker that carries
// data must have gone round its loop within the limit.
#include "core/liveness.hpp"

#include <CppUTest/TestHarness.h>

namespace {

constexpr int64_t kLimit = 60000;

}  // namespace

TEST_GROUP(Liveness) {
    gw::Heartbeat detection, store;
    gw::Liveness watch() {
        return gw::Liveness({{"pipeline.detection", &detection}, {"store.writer", &store}}, kLimit,
                            1000);
    }
};

TEST(Liveness, PartsThatBeatWithinTheLimitAreAlive) {
    auto l = watch();
    detection.beat(50000);
    store.beat(59000);
    CHECK_FALSE(l.stalled(61000 + 49000).has_value());
}

TEST(Liveness, ThePartSilentLongestBeyondTheLimitIsNamed) {
    auto l = watch();
    detection.beat(10000);
    store.beat(20000);
    CHECK_FALSE(l.stalled(70000).has_value());  // exactly the limit is not yet a stall
    auto stall = l.stalled(85000);
    CHECK_TEXT(stall.has_value(), "detection silent for 75 s");
    STRCMP_EQUAL("pipeline.detection", stall->part.c_str());
    LONGS_EQUAL(75000, stall->silent_ms);
    detection.beat(85000);
    stall = l.stalled(85000);
    CHECK_TEXT(stall.has_value(), "the store is still silent for 65 s");
    STRCMP_EQUAL("store.writer", stall->part.c_str());
}

TEST(Liveness, APartThatNeverBeatIsTimedFromTheStartOfWatching) {
    auto l = watch();  // watching from 1000
    detection.beat(60000);
    CHECK_FALSE(l.stalled(61000).has_value());
    auto stall = l.stalled(61001);
    CHECK(stall.has_value());
    STRCMP_EQUAL("store.writer", stall->part.c_str());
    LONGS_EQUAL(60001, stall->silent_ms);
}

TEST(Liveness, BeatsBeforeWatchingBeganDoNotCountAgainstAPart) {
    detection.beat(0);
    store.beat(0);
    auto l = watch();  // a restart builds a new watch over the same heartbeats
    CHECK_FALSE(l.stalled(61000).has_value());
    CHECK(l.stalled(61001).has_value());
}

TEST(Liveness, ABeatEndsTheStall) {
    auto l = watch();
    CHECK(l.stalled(200000).has_value());
    detection.beat(200000);
    store.beat(199000);
    CHECK_FALSE(l.stalled(200000).has_value());
}
