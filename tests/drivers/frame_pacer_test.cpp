// Frame pacing of a camera, driven by hand with ManualClock: which frames
// take a slot at the camera's rate, how a file plays in real time, and that
// the rate is asked for anew at every frame.
#include "camera/frame_pacer.hpp"

#include "core/clock.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw;
using namespace gw::camera;

TEST_GROUP(FramePacer){};

TEST(FramePacer, LiveFramesFasterThanTheRateAreDropped) {
    ManualClock clock;
    FramePacer p([] { return 5.0; });  // 200 ms slots, 40 ms early still counts
    p.start(clock.mono_ms(), false, 0);
    LONGS_EQUAL(0, p.due());
    CHECK_TRUE(p.take(clock.mono_ms()));
    clock.advance(50);
    CHECK_FALSE(p.take(clock.mono_ms()));
    clock.advance(109);  // t=159: 41 ms early
    CHECK_FALSE(p.take(clock.mono_ms()));
    clock.advance(1);  // t=160: 40 ms early takes the 200 ms slot
    CHECK_TRUE(p.take(clock.mono_ms()));
    clock.advance(200);  // t=360: the next slot is 400, 40 ms early
    CHECK_TRUE(p.take(clock.mono_ms()));
}

TEST(FramePacer, AStallIsNotMadeUpWithABurst) {
    ManualClock clock;
    FramePacer p([] { return 10.0; });  // 100 ms slots
    p.start(clock.mono_ms(), false, 0);
    CHECK_TRUE(p.take(clock.mono_ms()));
    clock.advance(5000);  // fifty slots missed
    int taken = 0;
    for (int i = 0; i < 100; ++i, clock.advance(10)) taken += p.take(clock.mono_ms());
    // One second at 100 frames/s: its ten slots, and the frame right after
    // the stall also takes the slot that starts a fifth of a period early.
    LONGS_EQUAL(12, taken);
}

TEST(FramePacer, FilePlaysAtItsOwnRateAndIsThinnedToTheCameras) {
    ManualClock clock;
    FramePacer p([] { return 5.0; });
    p.start(clock.mono_ms(), true, 20.0);  // 50 ms per file frame
    int taken = 0;
    for (int frame = 0; frame < 20; ++frame) {
        LONGS_EQUAL(frame * 50, p.due());
        clock.advance(p.due() - clock.mono_ms());  // sleeps until due
        taken += p.take(clock.mono_ms());
    }
    LONGS_EQUAL(950, clock.mono_ms());  // 20 frames of a 20 fps file: their real second
    LONGS_EQUAL(5, taken);              // at 5 fps
}

// A file reopened at its end (a still image: every loop is one frame) keeps
// the camera's rate; each reopen used to take a slot at once.
TEST(FramePacer, AFilesLoopKeepsTheCamerasRate) {
    ManualClock clock;
    FramePacer p([] { return 5.0; });  // 200 ms slots
    int taken = 0;
    for (int loop = 0; loop < 20; ++loop, clock.advance(50)) {  // a 20 fps one-frame file
        p.start(clock.mono_ms(), true, 20.0);
        taken += p.take(clock.mono_ms());
    }
    LONGS_EQUAL(5, taken);  // one second: its five slots
}

TEST(FramePacer, FileOfUnknownRatePlaysAtTheCamerasRate) {
    ManualClock clock;
    FramePacer p([] { return 4.0; });
    p.start(clock.mono_ms(), true, 0);
    CHECK_TRUE(p.take(clock.mono_ms()));
    LONGS_EQUAL(250, p.due());
}

// The hook for the emergency mode (issue 13): the rate is asked at every
// frame, and a change moves the slot already planned (a camera at 0.1
// frames/s switched to emergency waited up to 10 s for it).
TEST(FramePacer, RateIsAskedAgainAtEveryFrame) {
    ManualClock clock;
    double fps = 1.0;
    FramePacer p([&] { return fps; });
    p.start(clock.mono_ms(), false, 0);
    CHECK_TRUE(p.take(clock.mono_ms()));  // next slot at 1000
    fps = 10.0;                           // emergency: the next slot moves to 100 at once
    clock.advance(100);
    CHECK_TRUE(p.take(clock.mono_ms()));  // t=100, next slot at 200
    clock.advance(50);
    CHECK_FALSE(p.take(clock.mono_ms()));
    clock.advance(50);
    CHECK_TRUE(p.take(clock.mono_ms()));  // t=200
    fps = 1.0;                            // back to normal: the next slot moves out to 1200
    clock.advance(700);
    CHECK_FALSE(p.take(clock.mono_ms()));  // t=900: more than a fifth of a period early
    clock.advance(300);
    CHECK_TRUE(p.take(clock.mono_ms()));
}
