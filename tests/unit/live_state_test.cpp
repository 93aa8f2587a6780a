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
    for (int i = 0; i < 5; ++i) live.on_event(ev("e" + std::to_string(i), "", gw::EventState::raise));
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
