#include "pipeline/live_state.hpp"

#include <CppUTest/TestHarness.h>

namespace {
gw::Event ev(const std::string& id, const std::string& incident, gw::EventState st) {
    gw::Event e;
    e.id = id;
    e.incident = incident;
    e.state = st;
    return e;
}
}  // namespace

TEST_GROUP(LiveState){};

TEST(LiveState, KeepsTheLatestSampleAndLastGoodTime) {
    gw::LiveState live;
    live.on_samples({{"depth", 12.5, gw::Quality::good, 1000}});
    live.on_samples({{"depth", 0, gw::Quality::comm_fail, 2000}});
    auto pts = live.points();
    LONGS_EQUAL(1, pts.size());
    CHECK(pts["depth"].last.quality == gw::Quality::comm_fail);
    LONGS_EQUAL(1000, pts["depth"].good_t_ms);
    LONGS_EQUAL(2, pts["depth"].samples);
}

TEST(LiveState, RecentEventsAreBounded) {
    gw::LiveState live(3);
    for (int i = 0; i < 5; ++i)
        live.on_event(ev("e" + std::to_string(i), "", gw::EventState::raise));
    auto recent = live.recent_events();
    LONGS_EQUAL(3, recent.size());
    STRCMP_EQUAL("e2", recent.front().id.c_str());
    STRCMP_EQUAL("e4", recent.back().id.c_str());
}

TEST(LiveState, TracksActiveIncidentsUntilCleared) {
    gw::LiveState live;
    live.on_event(ev("a1", "a1", gw::EventState::raise));
    live.on_event(ev("b1", "b1", gw::EventState::raise));
    live.on_event(ev("a2", "a1", gw::EventState::update));
    auto active = live.active_incidents();
    LONGS_EQUAL(2, active.size());
    STRCMP_EQUAL("a2", active[0].id.c_str());
    live.on_event(ev("a3", "a1", gw::EventState::clear));
    active = live.active_incidents();
    LONGS_EQUAL(1, active.size());
    STRCMP_EQUAL("b1", active[0].incident.c_str());
}

// A mode change, a test event, a snapshot, the store's reports: the intake
// gives them an incident id too, but nothing ever clears them.
TEST(LiveState, OneShotReportsAreShownButNeverActive) {
    gw::LiveState live;
    auto test = ev("t1", "t1", gw::EventState::raise);
    test.one_shot = true;
    live.on_event(test);
    LONGS_EQUAL(0, live.active_incidents().size());
    LONGS_EQUAL(1, live.recent_events().size());
}

TEST(LiveState, SampleRingPagesByCursorAndCountsWhatAReaderMissed) {
    gw::LiveState live(10, 4);
    const uint64_t start = live.sample_cursor();
    LONGS_EQUAL(0, start);
    live.on_samples({{"a", 1, gw::Quality::good, 10}, {"b", 2, gw::Quality::good, 11}});
    auto p1 = live.samples_after(start, 1);
    LONGS_EQUAL(1, p1.samples.size());
    STRCMP_EQUAL("a", p1.samples[0].point.c_str());
    auto p2 = live.samples_after(p1.next, 10);
    LONGS_EQUAL(1, p2.samples.size());
    STRCMP_EQUAL("b", p2.samples[0].point.c_str());
    LONGS_EQUAL(0, live.samples_after(p2.next, 10).samples.size());
    // Five more into a ring of four: the reader at p2.next missed one.
    for (int i = 0; i < 5; ++i) live.on_samples({{"c", double(i), gw::Quality::good, 20 + i}});
    auto p3 = live.samples_after(p2.next, 10);
    LONGS_EQUAL(1, p3.dropped);
    LONGS_EQUAL(4, p3.samples.size());
    DOUBLES_EQUAL(1.0, p3.samples[0].value, 0);
    LONGS_EQUAL(7, p3.next);
    // A cursor from a previous daemon run restarts at the newest sample.
    auto p4 = live.samples_after(1000, 10);
    LONGS_EQUAL(0, p4.samples.size());
    LONGS_EQUAL(7, p4.next);
}
