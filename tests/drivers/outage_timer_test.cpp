// When a failing camera is reported offline (OutageTimer), on numbers.
#include "camera/outage_timer.hpp"

#include <CppUTest/TestHarness.h>

using gw::camera::OutageTimer;

TEST_GROUP(OutageTimer){};

// Installed and never seen: the technician hears of it at once.
TEST(OutageTimer, ACameraThatNeverPlayedIsReportedAtItsFirstFailure) {
    OutageTimer t;
    CHECK_TRUE(t.failed(0));
    CHECK_FALSE(t.report_due().has_value());
}

// A glitch of a second or two was a 30 s offline incident at the center.
TEST(OutageTimer, ACameraThatPlayedHasItsGraceFromItsFirstFailure) {
    OutageTimer t;
    t.played();
    CHECK_FALSE(t.failed(1000));
    LONGS_EQUAL(1000 + OutageTimer::kGraceMs, *t.report_due());
    CHECK_FALSE(t.failed(1500));  // a reconnect that failed too
    CHECK_FALSE(t.failed(1000 + OutageTimer::kGraceMs - 1));
    CHECK_TRUE(t.failed(1000 + OutageTimer::kGraceMs));
}

// Back and broken again before it was steady: still the first outage, so a
// flapping stream is reported once its grace is out.
TEST(OutageTimer, AStreamThatFlapsIsJudgedFromItsFirstBreak) {
    OutageTimer t;
    t.played();
    CHECK_FALSE(t.failed(0));
    t.played();  // back for a few seconds
    CHECK_FALSE(t.failed(6000));
    LONGS_EQUAL(OutageTimer::kGraceMs, *t.report_due());
    t.played();
    CHECK_TRUE(t.failed(12000));
}

// Steady again: the next break gets a grace of its own.
TEST(OutageTimer, ASteadyStreamStartsTheNextOutageAfresh) {
    OutageTimer t;
    t.played();
    CHECK_FALSE(t.failed(0));
    t.steady();
    CHECK_FALSE(t.report_due().has_value());
    CHECK_FALSE(t.failed(60000));
    LONGS_EQUAL(60000 + OutageTimer::kGraceMs, *t.report_due());
}
