// Poll scheduling and backoff of a Modbus bus, driven by hand with
// ManualClock: when blocks are due, how a failed device and a lost link back
// off, and that intervals are asked for anew at every poll.
#include "modbus/poll_schedule.hpp"

#include <vector>

#include "core/clock.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw;
using namespace gw::modbus;

namespace {

// Intervals a test can change between polls, as the emergency mode will.
class Intervals : public PollIntervals {
  public:
    Intervals(std::vector<std::vector<int64_t>> blocks, std::vector<int64_t> devices)
        : blocks(std::move(blocks)), devices(std::move(devices)) {}
    int64_t block_ms(size_t d, size_t b) const override { return blocks[d][b]; }
    int64_t device_ms(size_t d) const override { return devices[d]; }
    std::vector<std::vector<int64_t>> blocks;
    std::vector<int64_t> devices;
};

// Polls every due block of every ready device at the clock's time; returns
// how many were polled.
int poll_due(PollSchedule& s, const ManualClock& clock, const std::vector<size_t>& blocks) {
    int n = 0;
    const int64_t now = clock.mono_ms();
    for (size_t d = 0; d < blocks.size(); ++d) {
        if (!s.ready(d, now)) continue;
        for (size_t b = 0; b < blocks[d]; ++b)
            if (s.due(d, b, now)) {
                s.polled(d, b, now);
                ++n;
            }
    }
    return n;
}

}  // namespace

TEST_GROUP(PollSchedule){};

TEST(PollSchedule, EveryBlockIsDueAtOnceThenEachAtItsInterval) {
    ManualClock clock;
    Intervals iv({{100, 300}}, {100});
    PollSchedule s({{2, 1000}}, iv);
    LONGS_EQUAL(2, poll_due(s, clock, {2}));
    LONGS_EQUAL(100, s.next_wake(clock.mono_ms()));
    clock.advance(99);
    LONGS_EQUAL(0, poll_due(s, clock, {2}));
    clock.advance(1);
    LONGS_EQUAL(1, poll_due(s, clock, {2}));  // the 100 ms block only
    LONGS_EQUAL(200, s.next_wake(clock.mono_ms()));
    clock.advance(200);  // t=300: both
    LONGS_EQUAL(2, poll_due(s, clock, {2}));
    LONGS_EQUAL(400, s.next_wake(clock.mono_ms()));
}

TEST(PollSchedule, LatePollKeepsThePhaseButNeverCatchesUpInABurst) {
    ManualClock clock;
    Intervals iv({{100}}, {100});
    PollSchedule s({{1, 1000}}, iv);
    poll_due(s, clock, {1});  // t=0, next due 100
    clock.advance(130);       // 30 ms late: the next slot stays at 200
    LONGS_EQUAL(1, poll_due(s, clock, {1}));
    LONGS_EQUAL(200, s.next_wake(clock.mono_ms()));
    clock.advance(320);  // t=450: the slots at 200..400 were missed
    LONGS_EQUAL(1, poll_due(s, clock, {1}));
    LONGS_EQUAL(0, poll_due(s, clock, {1}));  // not again at once
    LONGS_EQUAL(550, s.next_wake(clock.mono_ms()));
}

TEST(PollSchedule, NothingDueSleepsAtMostTheIdleLimit) {
    ManualClock clock;
    Intervals iv({{60000}}, {60000});
    PollSchedule s({{1, 1000}}, iv);
    poll_due(s, clock, {1});
    LONGS_EQUAL(PollSchedule::kMaxIdleMs, s.next_wake(clock.mono_ms()));
}

TEST(PollSchedule, FailedDeviceBacksOffFromItsIntervalDoublingToItsMaximum) {
    ManualClock clock;
    Intervals iv({{100}, {100}}, {100, 100});
    PollSchedule s({{1, 800}, {1, 800}}, iv);
    const std::vector<int64_t> expected{100, 200, 400, 800, 800};
    for (int64_t wait : expected) {
        s.failed(0, clock.mono_ms());
        LONGS_EQUAL(wait, s.backoff_ms(0));
        CHECK_FALSE(s.ready(0, clock.mono_ms() + wait - 1));
        CHECK_TRUE(s.ready(1, clock.mono_ms()));  // the other device is not held up
        clock.advance(wait);
        CHECK_TRUE(s.ready(0, clock.mono_ms()));
    }
    s.answered(0);
    s.failed(0, clock.mono_ms());
    LONGS_EQUAL(100, s.backoff_ms(0));  // afresh after an answer
}

// A block failing alone skips 0, 1, 3, 7 of its device's polls (backoff
// 100, 200, 400, 800 ms on a 100 ms grid), and is asked in the same polls
// as the device's other block; an answer starts it afresh.
TEST(PollSchedule, ABlockFailingAloneBacksOffOnItsDevicesGrid) {
    ManualClock clock;
    Intervals iv({{100, 100}}, {100});
    PollSchedule s({{2, 800}}, iv);
    std::vector<int64_t> asked;  // when block 1 was asked
    for (int step = 0; step < 16; ++step) {
        const int64_t now = clock.mono_ms();
        CHECK_TRUE(s.due(0, 0, now));  // the good block: every poll
        s.polled(0, 0, now);
        if (s.due(0, 1, now)) {
            asked.push_back(now);
            s.polled(0, 1, now);
            s.block_failed(0, 1);
        }
        clock.advance(100);
    }
    const std::vector<int64_t> expected{0, 100, 300, 700, 1500};
    LONGS_EQUAL(expected.size(), asked.size());
    for (size_t i = 0; i < expected.size(); ++i) LONGS_EQUAL(expected[i], asked[i]);
    s.block_answered(0, 1);
    while (!s.due(0, 1, clock.mono_ms())) clock.advance(100);
    s.polled(0, 1, clock.mono_ms());
    s.block_failed(0, 1);
    CHECK_TRUE(s.due(0, 1, clock.mono_ms() + 100));  // afresh: one interval
}

TEST(PollSchedule, FirstBackoffIsOneIntervalEvenAboveTheMaximum) {
    ManualClock clock;
    Intervals iv({{5000}}, {5000});
    PollSchedule s({{1, 1000}}, iv);
    s.failed(0, clock.mono_ms());
    LONGS_EQUAL(5000, s.backoff_ms(0));
    s.failed(0, clock.mono_ms());
    LONGS_EQUAL(1000, s.backoff_ms(0));
}

TEST(PollSchedule, BackedOffDeviceWakesTheBusOnlyWhenItsBackoffEnds) {
    ManualClock clock;
    Intervals iv({{100}, {500}}, {300, 500});
    PollSchedule s({{1, 5000}, {1, 5000}}, iv);
    poll_due(s, clock, {1, 1});
    s.failed(0, clock.mono_ms());  // device 0: blocked until 300, its block due at 100
    LONGS_EQUAL(300, s.next_wake(clock.mono_ms()));
    clock.advance(300);
    LONGS_EQUAL(1, poll_due(s, clock, {1, 1}));  // device 0 again; device 1 due at 500
    LONGS_EQUAL(400, s.next_wake(clock.mono_ms()));
}

// The hook for the emergency mode (issue 13): intervals are asked at every
// poll and every first backoff, so a change applies from the next one on.
// A site switched to emergency mode was polled at the normal rate until
// the slot planned at it came: a whole normal interval, minutes for a slow
// gauge. A changed interval moves the next poll at once, both ways.
TEST(PollSchedule, AChangedIntervalMovesTheNextPollAtOnce) {
    ManualClock clock;
    Intervals iv({{900}}, {900});
    PollSchedule s({{1, 30000}}, iv);
    poll_due(s, clock, {1});
    LONGS_EQUAL(900, s.next_wake(clock.mono_ms()));
    clock.advance(100);
    iv.blocks[0][0] = 300;                           // emergency
    LONGS_EQUAL(300, s.next_wake(clock.mono_ms()));  // the last poll + the new interval
    clock.advance(200);
    LONGS_EQUAL(1, poll_due(s, clock, {1}));
    LONGS_EQUAL(600, s.next_wake(clock.mono_ms()));
    clock.advance(400);  // t=700: overdue at 200 ms, polled once, no burst
    iv.blocks[0][0] = 200;
    LONGS_EQUAL(1, poll_due(s, clock, {1}));
    LONGS_EQUAL(0, poll_due(s, clock, {1}));
    LONGS_EQUAL(900, s.next_wake(clock.mono_ms()));
    iv.blocks[0][0] = 900;  // back to normal: the next poll moves out
    LONGS_EQUAL(1600, s.next_wake(clock.mono_ms()));
    clock.advance(899);
    LONGS_EQUAL(0, poll_due(s, clock, {1}));
    clock.advance(1);
    LONGS_EQUAL(1, poll_due(s, clock, {1}));
    s.failed(0, clock.mono_ms());
    LONGS_EQUAL(900, s.backoff_ms(0));
}

TEST(PollSchedule, LostLinkIsRetriedAfterAGrowingBackoff) {
    ManualClock clock;
    Intervals iv({{100}, {100}}, {100, 100});
    PollSchedule s({{1, 500}, {1, 1500}}, iv);  // the longest maximum counts
    const std::vector<int64_t> expected{200, 400, 800, 1500, 1500};
    for (int64_t wait : expected)
        LONGS_EQUAL(clock.mono_ms() + wait, s.link_failed(clock.mono_ms()));
    s.link_up();
    LONGS_EQUAL(clock.mono_ms() + 200, s.link_failed(clock.mono_ms()));
}

TEST(PollSchedule, LinkBackoffNeverExceedsTheDevicesMaximum) {
    ManualClock clock;
    Intervals iv({{100}}, {100});
    PollSchedule s({{1, 100}}, iv);
    LONGS_EQUAL(100, s.link_failed(clock.mono_ms()));
    LONGS_EQUAL(100, s.link_failed(clock.mono_ms()));
}
