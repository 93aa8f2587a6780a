// The driver threads' sleep (StopSignal) and reconnect backoff: a sleep ends
// when the injected Clock reaches its due time or at once on stop().
#include "common/stop_signal.hpp"

#include <atomic>
#include <thread>

#include "collector.hpp"
#include "common/backoff.hpp"
#include "stepped_clock.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw;
using namespace gw::test;
using gw::drivers::Backoff;
using gw::drivers::StopSignal;

namespace {

// Runs one sleep on its own thread and records how it ended.
struct Sleeper {
    StopSignal& signal;
    const Clock& clock;
    int64_t due;
    std::atomic<bool> done{false};
    std::atomic<bool> result{false};
    std::thread thread{[this] {
        result = signal.sleep_until(clock, due);
        done = true;
    }};
    ~Sleeper() { thread.join(); }
};

}  // namespace

TEST_GROUP(StopSignal){};

TEST(StopSignal, SleepEndsWhenTheInjectedClockReachesTheDueTime) {
    SteppedClock clock;
    StopSignal signal;
    Sleeper s{signal, clock, 1000};
    clock.advance(999);
    clock.advance(1);
    CHECK_TRUE(wait_until([&] { return s.done.load(); }));
    CHECK_TRUE(s.result);
}

TEST(StopSignal, StopEndsASleepThatTheClockNeverEnds) {
    SteppedClock clock;  // never advanced
    StopSignal signal;
    Sleeper s{signal, clock, 3'600'000};
    signal.stop();
    CHECK_TRUE(wait_until([&] { return s.done.load(); }));
    CHECK_FALSE(s.result);
}

TEST(StopSignal, StoppedSignalDoesNotSleepUntilReset) {
    SteppedClock clock;
    StopSignal signal;
    CHECK_TRUE(signal.sleep_for(clock, 0));
    CHECK_TRUE(signal.sleep_until(clock, -5));  // a due time already past
    signal.stop();
    CHECK_TRUE(signal.stopping());
    CHECK_FALSE(signal.sleep_for(clock, 3'600'000));
    signal.reset();
    CHECK_FALSE(signal.stopping());
    CHECK_TRUE(signal.sleep_for(clock, 0));
}

TEST_GROUP(Backoff){};

TEST(Backoff, DoublesFromItsMinimumToItsMaximumAndResets) {
    Backoff b(200, 1500);
    LONGS_EQUAL(0, b.current_ms());
    LONGS_EQUAL(200, b.next());
    LONGS_EQUAL(400, b.next());
    LONGS_EQUAL(800, b.next());
    LONGS_EQUAL(1500, b.next());
    LONGS_EQUAL(1500, b.next());
    b.reset();
    LONGS_EQUAL(200, b.next());
}

TEST(Backoff, MaximumBelowTheMinimumWins) {
    Backoff b(500, 100);
    LONGS_EQUAL(100, b.next());
    LONGS_EQUAL(100, b.next());
}
