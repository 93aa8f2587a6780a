#include "core/types.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

#include <CppUTest/TestHarness.h>

TEST_GROUP(Types){};

TEST(Types, EnumNamesRoundTrip) {
    for (auto s : {gw::Severity::info, gw::Severity::notice, gw::Severity::warning,
                   gw::Severity::alarm, gw::Severity::critical}) {
        auto back = gw::severity_from_string(gw::to_string(s));
        CHECK(back.has_value());
        CHECK(*back == s);
    }
    CHECK(gw::quality_from_string("comm_fail") == gw::Quality::comm_fail);
    CHECK(gw::event_state_from_string("clear") == gw::EventState::clear);
    CHECK_FALSE(gw::severity_from_string("panic").has_value());
}

TEST(Types, SeverityIsOrderedByUrgency) {
    CHECK(gw::Severity::critical > gw::Severity::alarm);
    CHECK(gw::Severity::alarm > gw::Severity::warning);
    CHECK(gw::Severity::notice > gw::Severity::info);
}

TEST(Types, ResultCarriesValueOrMessage) {
    gw::Result<int> good(42);
    CHECK(good.ok());
    LONGS_EQUAL(42, *good);
    gw::Result<int> bad(gw::fail("device plc1: timeout"));
    CHECK_FALSE(bad.ok());
    STRCMP_EQUAL("device plc1: timeout", bad.error().c_str());
    gw::Status st = gw::fail("disk full");
    CHECK_FALSE(st.ok());
    CHECK(gw::Status::success().ok());
}

TEST(Types, ManualClockMovesOnlyWhenTold) {
    gw::ManualClock clock(1000, false);
    LONGS_EQUAL(1000, clock.now_ms());
    CHECK_FALSE(clock.synced());
    clock.advance(250);
    LONGS_EQUAL(1250, clock.now_ms());
    LONGS_EQUAL(250, clock.mono_ms());
    clock.set(2000);
    LONGS_EQUAL(1000, clock.mono_ms());
}

TEST(Types, SystemClockIsPlausible) {
    gw::SystemClock clock;
    // After 2020-01-01 and monotonic time never goes backwards.
    CHECK(clock.now_ms() > 1577836800000LL);
    int64_t a = clock.mono_ms();
    int64_t b = clock.mono_ms();
    CHECK(b >= a);
}
