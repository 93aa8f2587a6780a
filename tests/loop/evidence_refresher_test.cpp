// Emergency mode's fresh evidence: which open vision incidents are due for a
// new image, on the frames' own time.
#include "pipeline/evidence_refresher.hpp"
#include "core/event_id.hpp"

#include <CppUTest/TestHarness.h>

namespace {

gw::Event event(const std::string& id, const std::string& incident, gw::EventState state,
                gw::Severity severity = gw::Severity::alarm) {
    gw::Event e;
    e.id = id;
    e.incident = incident;
    e.detector = "fire-plaza-video";
    e.kind = "fire";
    e.type = "video_flame";
    e.severity = severity;
    e.state = state;
    e.message = "flames in view";
    return e;
}

}  // namespace

TEST_GROUP(EvidenceRefresher) {
    gw::EventIdSource ids{"gw-01", 4};  // not the hand-made ids of boot 3
    gw::EvidenceRefresher r;
};

TEST(EvidenceRefresher, AnOpenIncidentGetsAnUpdateWithItsOwnImageEachInterval) {
    r.observe({event("gw-01-3-00000001", "gw-01-3-00000001", gw::EventState::raise)},
              {"gw-01-3-00000001"}, 1000);
    CHECK(r.due(30999, 30000, ids).empty());
    auto due = r.due(31000, 30000, ids);
    LONGS_EQUAL(1, due.size());
    const gw::Event& e = due[0];
    STRCMP_EQUAL("gw-01-3-00000001", e.incident.c_str());
    CHECK(e.id != e.incident);
    CHECK(e.evidence.has_value());
    STRCMP_EQUAL(e.id.c_str(), e.evidence->c_str());
    CHECK(e.state == gw::EventState::update);
    CHECK(e.severity == gw::Severity::alarm);
    LONGS_EQUAL(31000, e.t_ms);
    CHECK(e.details.value("evidence_refresh", false));
    STRCMP_CONTAINS("flames in view", e.message.c_str());
    CHECK(e.repeats_incident);  // no new finding: the mode rules and the book skip it
    // Counted from the refresh, not from the raise.
    CHECK(r.due(60999, 30000, ids).empty());
    LONGS_EQUAL(1, r.due(61000, 30000, ids).size());
}

TEST(EvidenceRefresher, FollowsTheIncidentsSeverityAndStopsAtItsClear) {
    r.observe({event("gw-01-3-00000001", "gw-01-3-00000001", gw::EventState::raise)},
              {"gw-01-3-00000001"}, 0);
    r.observe({event("gw-01-3-00000002", "gw-01-3-00000001", gw::EventState::update,
                     gw::Severity::critical)},
              {}, 5000);
    auto due = r.due(30000, 30000, ids);
    LONGS_EQUAL(1, due.size());
    CHECK(due[0].severity == gw::Severity::critical);
    r.observe({event("gw-01-3-00000009", "gw-01-3-00000001", gw::EventState::clear)}, {}, 40000);
    LONGS_EQUAL(0, r.open());
    CHECK(r.due(100000, 30000, ids).empty());
}

TEST(EvidenceRefresher, AnImageFromTheDetectorCountsAsFresh) {
    r.observe({event("gw-01-3-00000001", "gw-01-3-00000001", gw::EventState::raise)},
              {"gw-01-3-00000001"}, 0);
    r.observe({event("gw-01-3-00000002", "gw-01-3-00000001", gw::EventState::update)},
              {"gw-01-3-00000002"}, 20000);
    CHECK(r.due(49999, 30000, ids).empty());
    LONGS_EQUAL(1, r.due(50000, 30000, ids).size());
}

TEST(EvidenceRefresher, IncidentsWithoutAnImageAreNotRefreshed) {
    // A camera fault (frame_rate_low, camera_silent) comes with no image.
    r.observe({event("gw-01-3-00000001", "gw-01-3-00000001", gw::EventState::raise)}, {}, 0);
    LONGS_EQUAL(0, r.open());
    CHECK(r.due(100000, 30000, ids).empty());
}
