// The closed loop over memory tables on a ManualClock: what reaches the
// mode rules and the incident book from the events the intake stores.
#include "loop/closed_loop.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "config/loader.hpp"
#include "core/event_id.hpp"
#include "core/log.hpp"
#include "detectors/kinds.hpp"
#include "pipeline/intake.hpp"
#include "store/store.hpp"
#include "support/captured_log.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

using gw::Event;
using gw::EventState;
using gw::Mode;
using gw::Severity;

gw::Event flames(const std::string& id, EventState state) {
    Event e;
    e.id = id;
    e.incident = "gw-1-1";
    e.detector = "cam-1-fire";
    e.kind = "video_fire";
    e.type = "flames";
    e.severity = Severity::alarm;
    e.state = state;
    e.message = "flames in view";
    e.details = {{"area_px", 900}};
    return e;
}

// A real store and intake wired to a loop as in the daemon, the store's
// alarm lane small enough to fill. `tried`: the flames events the loop
// stores (not the emergency's end, by the fixture's auto rule).
struct StoreWiring {
    gw::test::TempDir dir;
    std::unique_ptr<gw::Store> store;
    std::unique_ptr<gw::EventIdSource> ids;
    std::unique_ptr<gw::Intake> intake;
    std::vector<Event> tried;

    StoreWiring(gw::loop::ClosedLoop& loop, gw::Clock& clock, gw::Log& log) {
        gw::StoreOptions so;
        so.path = dir.file("store.db");
        so.commit_window_ms = 1;
        so.alarm_max_bytes = 8192;
        auto opened = gw::Store::open(so, clock, log);
        CHECK_TEXT(opened.ok(), opened.ok() ? "" : opened.error().c_str());
        store = std::move(*opened);
        ids = std::make_unique<gw::EventIdSource>("gw-1", store->boot());
        intake = std::make_unique<gw::Intake>(*store, *ids, gw::Origin{"s1", "gw-1"}, clock, log);
        intake->add_observer(&loop);
        loop.attach(
            [this](Event e) -> gw::Result<Event> {
                if (e.type == "flames") tried.push_back(e);
                return intake->store_event(std::move(e));
            },
            nullptr);
    }
    ~StoreWiring() { intake->clear_observers(); }
    void fill_alarm_lane() {
        while (store->append(gw::Lane::alarm, 0, "event", "x").ok()) {
        }
    }
    // The broker takes the backlog.
    void deliver_all() {
        auto rows = store->read(gw::Lane::alarm, 0, 1000);
        CHECK(rows.ok());
        for (const auto& r : *rows) store->ack(gw::Lane::alarm, r.seq);
        store->flush();
    }
};

}  // namespace

TEST_GROUP(ClosedLoop) {
    gw::ManualClock clock{1700000000000};
    gw::Log log{gw::LogLevel::error};
    std::unique_ptr<gw::loop::ClosedLoop> loop;
    std::vector<Event> sent;

    void setup() override {
        gw::EmergencyAutoRule rule;
        rule.detector = "cam-1-fire";
        rule.duration_s = 600;
        open_with(rule, gw::IncidentsConfig{});
    }
    void open_with(const gw::EmergencyAutoRule& rule, const gw::IncidentsConfig& incidents) {
        gw::Config config;
        config.emergency_auto.push_back(rule);
        config.incidents = incidents;
        auto opened =
            gw::loop::ClosedLoop::open(config, std::make_unique<gw::loop::MemoryStateTable>(),
                                       std::make_unique<gw::loop::MemoryStateTable>(), clock, log);
        CHECK_TEXT(opened.ok(), opened.ok() ? "" : opened.error().c_str());
        loop = std::move(*opened);
        loop->attach(
            [this](Event e) -> gw::Result<Event> {
                sent.push_back(e);
                return e;
            },
            nullptr);
    }
    void store(Event e) {
        loop->before(e);
        loop->after(e);
    }
    // The loop opened again on `path` (a restart), storing what it makes
    // (tick) through itself as the daemon's intake does; into `stored` too.
    std::unique_ptr<gw::loop::ClosedLoop> restarted(
        const gw::Config& config, const std::string& path, std::vector<Event>& stored) {
        auto opened = gw::loop::ClosedLoop::open(config, path, clock, log);
        CHECK_TEXT(opened.ok(), opened.ok() ? "" : opened.error().c_str());
        gw::loop::ClosedLoop* self = opened->get();
        self->attach(
            [self, &stored](Event e) -> gw::Result<Event> {
                self->before(e);
                self->after(e);
                stored.push_back(e);
                return e;
            },
            nullptr);
        return std::move(*opened);
    }
};

// A camera's fresh evidence (emergency mode only) repeats its incident: it
// is no new finding. It kept an emergency the center had ended going, and
// its message and details ("fresh evidence", no image) became what the
// incident's re-sends said.
TEST(ClosedLoop, FreshEvidenceIsNoNewFinding) {
    store(flames("gw-1-1", EventState::raise));
    CHECK(loop->mode().mode() == Mode::emergency);
    CHECK(loop->set_mode(Mode::normal, std::nullopt, "center").ok());
    clock.advance(30000);
    Event refresh = flames("gw-1-2", EventState::update);
    refresh.message = "fresh evidence (emergency mode): flames in view";
    refresh.details = {{"evidence_refresh", true}};
    refresh.evidence = refresh.id;
    refresh.repeats_incident = true;
    store(refresh);
    CHECK(loop->mode().mode() == Mode::normal);
    auto open = loop->book().open();
    LONGS_EQUAL(1, open.size());
    STRCMP_EQUAL("flames in view", open[0].message.c_str());
    LONGS_EQUAL(900, open[0].details.value("area_px", 0));
    // Its event id still names the incident for an ack.
    CHECK(loop->ack("gw-1-2", "ops", "").ok());
}

// A rule for critical findings answers to the severity the detector found.
// Once its incident is escalated (alarm -> critical, nobody acknowledged
// it), the detector's next alarm update is sent as critical: it switched
// the site to emergency though the detector found no more than before.
TEST(ClosedLoop, AnEscalatedAlarmIsNoCriticalFindingForTheRules) {
    gw::EmergencyAutoRule rule;
    rule.detector = "cam-1-fire";
    rule.min_severity = Severity::critical;
    gw::IncidentsConfig incidents;
    incidents.renotify_s = 0;
    incidents.escalate_after_s = 600;
    open_with(rule, incidents);
    store(flames("gw-1-1", EventState::raise));
    clock.advance(600000);
    loop->tick(false);
    LONGS_EQUAL(1, sent.size());
    CHECK(sent[0].escalated);
    CHECK(sent[0].severity == Severity::critical);
    store(sent[0]);
    CHECK(loop->mode().mode() == Mode::normal);

    Event update = flames("gw-1-3", EventState::update);
    store(update);
    CHECK(loop->mode().mode() == Mode::normal);
    // Sent at the escalated severity all the same (the contract's).
    CHECK(loop->book().open().at(0).severity == Severity::critical);
    // A critical finding of the detector's own does meet the rule.
    update = flames("gw-1-4", EventState::update);
    update.severity = Severity::critical;
    store(update);
    CHECK(loop->mode().mode() == Mode::emergency);
}

// Each event tick() makes is stored in turn, each waiting for a commit: an
// ack that lands meanwhile makes the escalations after it in the batch
// stale. Stored after the ack, one said "unacknowledged, escalated" of an
// acked incident and raised its severity.
TEST(ClosedLoop, AnEscalationMadeBeforeAnAckIsNotStoredAfterIt) {
    gw::IncidentsConfig incidents;
    incidents.renotify_s = 0;
    incidents.escalate_after_s = 600;
    open_with(gw::EmergencyAutoRule{}, incidents);
    store(flames("gw-1-1", EventState::raise));
    Event other = flames("gw-1-2", EventState::raise);
    other.incident = "gw-1-2";
    other.detector = "cam-2-fire";
    store(other);
    clock.advance(600000);
    std::vector<Event> escalations;
    bool acked = false;
    loop->attach(
        [&](Event e) -> gw::Result<Event> {
            if (e.escalated) escalations.push_back(e);
            if (!acked) {  // during the first escalation's commit: both acked
                acked = true;
                CHECK(loop->ack("gw-1-1", "ops", "").ok());
                CHECK(loop->ack("gw-1-2", "ops", "").ok());
            }
            return e;
        },
        nullptr);
    loop->tick(false);
    LONGS_EQUAL(1, escalations.size());
}

// A rule, the center and the expiry change the mode from three threads:
// the retained status must end on the mode the gateway is in. Each change
// and its status are made together; announced after the lock, two changes
// could set the status out of order, leaving it on a mode already left.
TEST(ClosedLoop, TheStatusEndsOnTheModeTheGatewayIsIn) {
    std::mutex statuses_mutex;
    std::vector<Mode> statuses;
    loop->attach([](Event e) -> gw::Result<Event> { return e; },
                 [&](const gw::loop::ModeState& s) {
                     std::lock_guard<std::mutex> lock(statuses_mutex);
                     statuses.push_back(s.mode);
                 });
    std::thread rule([&] {
        for (int i = 0; i < 300; ++i) store(flames("gw-1-" + std::to_string(i), EventState::raise));
    });
    for (int i = 0; i < 300; ++i) CHECK(loop->set_mode(Mode::normal, std::nullopt, "center").ok());
    rule.join();
    std::lock_guard<std::mutex> lock(statuses_mutex);
    CHECK(statuses.back() == loop->mode().mode());
}

// The mode_changed events reach the store in the order the changes were
// made: each starts from the mode the one before it ended on, and the last
// ends on the mode the gateway is in. Stored after the change's lock, two
// of them could be stored the other way round.
TEST(ClosedLoop, ModeChangesAreStoredInTheOrderMade) {
    std::mutex changes_mutex;
    std::vector<Event> changes;
    // As the intake does: the loop sees what it stores, its own events too.
    loop->attach(
        [&](Event e) -> gw::Result<Event> {
            loop->before(e);
            if (e.type == "mode_changed") {
                std::lock_guard<std::mutex> lock(changes_mutex);
                changes.push_back(e);
            }
            loop->after(e);
            return e;
        },
        nullptr);
    std::atomic<bool> done{false};
    std::thread rule([&] {
        for (int i = 0; i < 300; ++i) store(flames("gw-1-" + std::to_string(i), EventState::raise));
        done = true;
    });
    // For as long as the rule runs: its changes and the center's interleave.
    while (!done) CHECK(loop->set_mode(Mode::normal, std::nullopt, "center").ok());
    rule.join();
    std::lock_guard<std::mutex> lock(changes_mutex);
    CHECK_TEXT(changes.size() >= 2, std::to_string(changes.size()).c_str());
    for (size_t i = 1; i < changes.size(); ++i)
        STRCMP_EQUAL(changes[i - 1].details["to"].get<std::string>().c_str(),
                     changes[i].details["from"].get<std::string>().c_str());
    STRCMP_EQUAL(std::string(gw::to_string(loop->mode().mode())).c_str(),
                 changes.back().details["to"].get<std::string>().c_str());
}

// The center set the site back to normal during a fire; the gateway then
// restarts (the center's own reload, a salvage), and the detector raises the
// fire again, which continues the open incident: no new finding, so the
// site stays normal. It went into emergency again at every restart. A worse
// finding after it still switches.
TEST(ClosedLoop, AnIncidentContinuedAfterARestartIsNoNewFindingForTheRules) {
    gw::test::TempDir dir;
    gw::Config config;
    gw::EmergencyAutoRule rule;
    rule.detector = "cam-1-fire";
    rule.duration_s = 600;
    config.emergency_auto.push_back(rule);
    {
        auto first = gw::loop::ClosedLoop::open(config, dir.file("loop.db"), clock, log);
        CHECK(first.ok());
        (*first)->attach([](Event e) -> gw::Result<Event> { return e; }, nullptr);
        Event fire = flames("gw-1-1", EventState::raise);
        (*first)->before(fire);
        (*first)->after(fire);
        CHECK((*first)->mode().state().mode == Mode::emergency);
        CHECK((*first)->set_mode(Mode::normal, std::nullopt, "command:c-1").ok());
    }
    std::vector<Event> stored;
    auto again = restarted(config, dir.file("loop.db"), stored);
    // Its first try is refused (the alarm lane full after an outage); made
    // again, it is still no new finding.
    Event fire = flames("gw-2-1", EventState::raise);
    fire.incident = "gw-2-1";
    again->before(fire);
    again->refused(fire);
    again->tick(false);
    CHECK(!stored.empty());
    CHECK(stored[0].state == EventState::update);
    STRCMP_EQUAL("gw-1-1", stored[0].incident.c_str());
    CHECK(again->mode().state().mode == Mode::normal);

    Event worse = flames("gw-2-2", EventState::update);
    worse.incident = "gw-2-1";
    worse.severity = Severity::critical;
    again->before(worse);
    again->after(worse);
    CHECK(again->mode().state().mode == Mode::emergency);
}

// After a restart a flood gauge's detector tells a stuck gauge again only
// after stuck_s (an hour): the book kept the incident the grace (300 s)
// only, closed it "not seen since restart" and the center got a new
// incident an hour later for the same stuck gauge. Each type now waits
// for its detector's own time, then the grace.
TEST(ClosedLoop, AnIncidentItsDetectorTellsOnlyLaterOutlastsTheRestartGrace) {
    auto loaded = gw::load_config_text(R"(
[gateway]
district = "d"
site = "s"
id = "g"
[uplink]
brokers = ["tcp://127.0.0.1:1883"]
[[devices]]
id = "gauge"
host = "127.0.0.1"
[[points]]
id = "water_depth"
device = "gauge"
unit = "cm"
[[detectors]]
id = "flood-1"
kind = "flood"
inputs = { depth = "water_depth" }
)",
                                       "cfg.toml", gw::detectors::kinds());
    CHECK_TEXT(loaded.ok(), loaded.ok() ? "" : loaded.errors.lines.at(0).c_str());
    const gw::Config& config = *loaded.config;
    auto flood = [](const std::string& id, const std::string& type) {
        Event e;
        e.id = e.incident = id;
        e.detector = "flood-1";
        e.kind = "flood";
        e.type = type;
        e.severity = Severity::warning;
        e.state = EventState::raise;
        return e;
    };
    gw::test::TempDir dir;
    {
        auto first = gw::loop::ClosedLoop::open(config, dir.file("loop.db"), clock, log);
        CHECK(first.ok());
        (*first)->attach([](Event e) -> gw::Result<Event> { return e; }, nullptr);
        for (Event e : {flood("gw-1-1", "water_depth"), flood("gw-1-2", "sensor_stuck")}) {
            (*first)->before(e);
            (*first)->after(e);
        }
    }
    std::vector<Event> stored;
    auto again = restarted(config, dir.file("loop.db"), stored);
    // The depth is told again within its raise hold (10 s): grace 310 s.
    clock.advance(309999);
    again->tick(false);
    CHECK(stored.empty());
    clock.advance(1);
    again->tick(false);
    LONGS_EQUAL(1, stored.size());
    STRCMP_EQUAL("gw-1-1", stored[0].incident.c_str());
    CHECK(stored[0].state == EventState::clear);
    // The stuck gauge, still stuck, is told again after stuck_s: the same
    // incident goes on.
    clock.advance(3600000 - 310000);
    again->tick(false);
    LONGS_EQUAL(1, stored.size());
    Event stuck = flood("gw-2-1", "sensor_stuck");
    again->before(stuck);
    again->after(stuck);
    STRCMP_EQUAL("gw-1-2", stuck.incident.c_str());
    CHECK(stuck.state == EventState::update);
    LONGS_EQUAL(1, again->book().open().size());  // the stuck gauge's
}

// A detector's clear the store refused (its alarm lane full) is made again
// until it is stored, with its own id, and the incident is neither re-sent
// nor escalated meanwhile: the detector has moved on and will not clear it
// again. Before, the incident stayed open, re-sent and escalated, until a
// restart. Over a real store, intake and book, wired as in the daemon.
TEST(ClosedLoop, ADetectorClearTheStoreRefusedIsMadeAgainUntilStored) {
    StoreWiring wired(*loop, clock, log);
    gw::Intake& intake = *wired.intake;
    std::vector<Event>& tried = wired.tried;
    CHECK(intake.store_event(flames("", EventState::raise)).ok());
    wired.fill_alarm_lane();
    auto refused = intake.store_event(flames("", EventState::clear));
    CHECK_FALSE(refused.ok());
    LONGS_EQUAL(1, loop->book().open().size());

    // Past the re-send interval and the escalation: only the clear is tried.
    for (int i = 0; i < 3; ++i) {
        clock.advance(400000);
        loop->tick(false);
    }
    CHECK(tried.size() >= 3);
    for (const auto& e : tried) CHECK(e.state == EventState::clear);
    const std::string clear_id = tried.front().id;
    for (const auto& e : tried) STRCMP_EQUAL(clear_id.c_str(), e.id.c_str());
    CHECK_FALSE(loop->book().open().at(0).escalated);
    LONGS_EQUAL(0, loop->book().open().at(0).renotify);

    // The broker takes the backlog: the clear is stored and closes it.
    wired.deliver_all();
    tried.clear();
    loop->tick(false);
    LONGS_EQUAL(1, tried.size());
    STRCMP_EQUAL(clear_id.c_str(), tried[0].id.c_str());
    CHECK(loop->book().open().empty());
    loop->tick(false);
    LONGS_EQUAL(1, tried.size());
}

// An ack whose update the store refused (its alarm lane full): the ack is
// recorded, so the answer is yes (with no event yet), and the update is
// made again until stored. It used to answer an error, which the command
// channel cached under the request id, and since the ack stopped the
// re-sends the center never heard of it. Over a real store and intake.
TEST(ClosedLoop, AnAckWhoseUpdateTheStoreRefusedIsMadeAgainUntilStored) {
    StoreWiring wired(*loop, clock, log);
    std::vector<Event>& tried = wired.tried;
    auto raised = wired.intake->store_event(flames("", EventState::raise));
    CHECK(raised.ok());
    wired.fill_alarm_lane();
    auto acked = loop->ack(raised->id, "duty officer", "crew 3");
    CHECK_TEXT(acked.ok(), acked.ok() ? "" : acked.error().c_str());
    CHECK_FALSE(acked->already);
    CHECK_FALSE(acked->update.has_value());
    STRCMP_EQUAL("duty officer", loop->book().open().at(0).acked_by.value_or("").c_str());

    // Each tick makes the ack's update again, and nothing else of it.
    tried.clear();
    for (int i = 0; i < 3; ++i) {
        clock.advance(400000);
        loop->tick(false);
    }
    LONGS_EQUAL(3, tried.size());
    for (const auto& e : tried) {
        STRCMP_EQUAL("duty officer", e.acked_by.value_or("").c_str());
        STRCMP_EQUAL("acknowledged by duty officer: crew 3", e.message.c_str());
        CHECK_FALSE(e.escalated);
    }

    // The broker takes the backlog: the update is stored, once.
    wired.deliver_all();
    tried.clear();
    loop->tick(false);
    LONGS_EQUAL(1, tried.size());
    auto stored = wired.store->read(gw::Lane::alarm, 0, 1000);
    CHECK(stored.ok());
    std::vector<std::string> updates;
    for (const auto& r : *stored)
        if (r.payload.find("\"type\":\"flames\"") != std::string::npos)
            updates.push_back(r.payload);
    LONGS_EQUAL(1, updates.size());
    STRCMP_CONTAINS("\"acked_by\":\"duty officer\"", updates[0].c_str());
    loop->tick(false);
    LONGS_EQUAL(1, tried.size());
}

// The store refuses every event (the alarm lane full). The book's re-sends
// are made again at every tick, and their log line is throttled; a mode
// change comes once, and each one the center will not hear of is said in
// the log. The throttle kept quiet a second change within its interval.
TEST(ClosedLoop, EachModeChangeNotStoredIsSaid) {
    gw::test::CapturedLog captured(gw::LogLevel::error);
    auto opened = gw::loop::ClosedLoop::open(
        gw::Config{}, std::make_unique<gw::loop::MemoryStateTable>(),
        std::make_unique<gw::loop::MemoryStateTable>(), clock, captured.log());
    CHECK(opened.ok());
    auto refusing = std::move(*opened);
    refusing->attach([](Event) -> gw::Result<Event> { return gw::fail("store full"); }, nullptr);
    CHECK(refusing->set_mode(Mode::emergency, std::nullopt, "center").ok());
    clock.advance(1000);
    CHECK(refusing->set_mode(Mode::normal, std::nullopt, "center").ok());

    LONGS_EQUAL_TEXT(2, captured.count("type=mode_changed"), captured.text().c_str());
}
