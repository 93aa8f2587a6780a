// The incident book on a ManualClock: re-sent while unacknowledged, escalated
// once, acknowledged by incident or event id, closed by clear, and carried
// over a restart (adoption, grace) through its StateTable, in memory and in
// a real SQLite file.
#include "loop/incident_book.hpp"

#include <cmath>

#include "core/log.hpp"
#include "loop/closed_loop.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

using gw::Event;
using gw::EventState;
using gw::Severity;
using gw::loop::BookSettings;
using gw::loop::IncidentBook;

BookSettings settings() {
    BookSettings s = gw::loop::book_settings(gw::IncidentsConfig{});
    s.renotify_ms = 60000;
    s.escalate_after_ms = 300000;
    s.restart_grace_ms = 120000;
    return s;
}

Event raise(const std::string& id, Severity sev = Severity::alarm) {
    Event e;
    e.id = id;
    e.incident = id;
    e.detector = "flood-1";
    e.kind = "flood";
    e.type = "water_depth";
    e.severity = sev;
    e.state = EventState::raise;
    e.value = 31.5;
    e.unit = "cm";
    e.message = "water depth 31.5 cm";
    return e;
}

Event follow(const std::string& id, const std::string& incident, EventState state,
             Severity sev = Severity::alarm) {
    Event e = raise(id, sev);
    e.incident = incident;
    e.state = state;
    return e;
}

// A camera's offline fault and its end; they name no incident of their own
// (the intake gives each its own id as incident).
Event camera_offline(const std::string& id) {
    Event e = raise(id, Severity::warning);
    e.detector = "cam-1";
    e.kind = "camera";
    e.type = "offline";
    return e;
}
Event camera_back(const std::string& id) {
    Event e = camera_offline(id);
    e.state = EventState::clear;
    e.severity = Severity::info;
    return e;
}

// What the intake does with an event: adopt, "store" (an id), record.
struct Feed {
    IncidentBook& book;
    int next = 100;
    Event operator()(Event e) {
        if (e.id.empty()) e.id = "gw-1-" + std::to_string(next++);
        if (e.incident.empty()) e.incident = e.id;
        book.adopt(e);
        book.record(e);
        return e;
    }
};

}  // namespace

TEST_GROUP(IncidentBook) {
    gw::ManualClock clock{1700000000000};
    gw::Log log{gw::LogLevel::error};
    gw::loop::MemoryStateTable table;
};

TEST(IncidentBook, UnackedAlarmIsResentThenEscalatedOnce) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1"));
    CHECK(book.tick().empty());
    clock.advance(59999);
    CHECK(book.tick().empty());
    clock.advance(1);
    auto out = book.tick();
    LONGS_EQUAL(1, out.size());
    STRCMP_EQUAL("gw-1-1", out[0].incident.c_str());
    CHECK(out[0].state == EventState::update);
    CHECK(out[0].id.empty());  // the intake gives it a new id
    LONGS_EQUAL(1, *out[0].renotify);
    CHECK(out[0].severity == Severity::alarm);
    CHECK_FALSE(out[0].escalated);
    feed(out[0]);
    for (int n = 2; n <= 4; ++n) {
        clock.advance(60000);
        out = book.tick();
        LONGS_EQUAL(1, out.size());
        LONGS_EQUAL(n, *out[0].renotify);
        feed(out[0]);
    }
    clock.advance(60000);  // 300 s since the raise
    out = book.tick();
    LONGS_EQUAL(1, out.size());
    CHECK(out[0].escalated);
    CHECK(out[0].severity == Severity::critical);
    CHECK_FALSE(out[0].renotify.has_value());  // the escalation, not a re-send
    feed(out[0]);
    clock.advance(60000);
    out = book.tick();
    LONGS_EQUAL(1, out.size());
    CHECK(out[0].escalated);  // stays escalated; not escalated again
    CHECK(out[0].severity == Severity::critical);
    LONGS_EQUAL(5, *out[0].renotify);
}

// The record of an incident is made before the store has the event that
// opens it: a restart between the two (power lost, kill -9) found the
// raise in the store but no record, and the center's incident was never
// closed. Loaded unconfirmed, it is closed after the grace.
TEST(IncidentBook, AnIncidentOpenedJustBeforeARestartIsClosedAfterIt) {
    {
        IncidentBook book(settings(), table, clock, log);
        CHECK(book.load().ok());
        Event e = raise("gw-1-1");
        book.adopt(e);  // the store commits it; the power goes before record()
    }
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    LONGS_EQUAL(1, book.open().size());
    CHECK_FALSE(book.open()[0].confirmed);
    clock.advance(120000);
    auto out = book.tick();
    LONGS_EQUAL(1, out.size());
    STRCMP_EQUAL("gw-1-1", out[0].incident.c_str());
    CHECK(out[0].state == EventState::clear);
}

// ... and not continued by its detector's next raise: the restart may have
// come before the store had its raise, and the center would get an update
// of an incident it never heard of. The next raise opens a new incident;
// the first is closed after the grace all the same.
TEST(IncidentBook, AnIncidentOpenedJustBeforeARestartIsNotContinued) {
    {
        IncidentBook book(settings(), table, clock, log);
        CHECK(book.load().ok());
        Event e = raise("gw-1-1");
        book.adopt(e);
    }
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    Event again = feed(raise("gw-2-1"));
    STRCMP_EQUAL("gw-2-1", again.incident.c_str());
    CHECK(again.state == EventState::raise);
    LONGS_EQUAL(2, book.open().size());
    clock.advance(120000);
    int closed = 0;
    for (const auto& e : book.tick())  // the new one's re-send too
        if (e.state == EventState::clear) {
            STRCMP_EQUAL("gw-1-1", e.incident.c_str());
            ++closed;
        }
    LONGS_EQUAL(1, closed);
}

// An opening the store refused leaves no record (it would be closed at
// the center after a restart, which never had it). A record that another
// event of the incident, still on its way to the store, needs stays: an
// info raise, then two updates that cross the threshold, the first
// refused before the second is stored.
TEST(IncidentBook, ARefusedOpeningLeavesNoRecord) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Event e = raise("gw-1-1");
    book.adopt(e);
    book.refused(e);
    CHECK(table.all()->empty());
    CHECK(book.open().empty());

    Feed feed{book};
    feed(raise("gw-1-2", Severity::info));
    CHECK(table.all()->empty());  // not followed
    Event first = follow("gw-1-3", "gw-1-2", EventState::update);
    Event second = follow("gw-1-4", "gw-1-2", EventState::update);
    book.adopt(first);
    book.adopt(second);
    book.refused(first);
    LONGS_EQUAL(1, table.all()->size());  // a restart now finds it
    book.record(second);
    LONGS_EQUAL(1, table.all()->size());
    LONGS_EQUAL(1, book.open().size());
}

// A detector's raise the store refused (its alarm lane full) is made again
// at every tick until stored: the detector has moved on and never sends it
// again, and the center never heard of the incident.
TEST(IncidentBook, ARaiseTheStoreRefusedIsMadeAgainUntilStored) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Event e = raise("gw-1-1");
    book.adopt(e);
    book.refused(e);
    clock.advance(1000);
    auto out = book.tick();
    LONGS_EQUAL(1, out.size());
    STRCMP_EQUAL("gw-1-1", out[0].id.c_str());
    CHECK(out[0].state == EventState::raise);
    book.adopt(out[0]);
    book.refused(out[0]);  // still full
    out = book.tick();
    LONGS_EQUAL(1, out.size());
    Feed feed{book};
    feed(out[0]);
    LONGS_EQUAL(1, book.open().size());
    CHECK(book.tick().empty());
}

// A refused update (a warning that became an alarm) is made again, and the
// incident is not re-sent at its old state meanwhile.
TEST(IncidentBook, AnUpdateTheStoreRefusedIsMadeAgainInsteadOfAReSend) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1"));
    Event up = follow("gw-1-2", "gw-1-1", EventState::update, Severity::critical);
    book.adopt(up);
    book.refused(up);
    clock.advance(60000);  // a re-send is due
    auto out = book.tick();
    LONGS_EQUAL(1, out.size());
    STRCMP_EQUAL("gw-1-2", out[0].id.c_str());
    CHECK(out[0].severity == Severity::critical);
    CHECK_FALSE(out[0].renotify.has_value());
    feed(out[0]);
    CHECK(book.open()[0].severity == Severity::critical);
    CHECK(book.tick().empty());
}

// The detector's next update of a raise still waiting becomes that raise,
// with the newer news; its clear goes as it is and nothing waits after it.
TEST(IncidentBook, ANewerEventOfARefusedRaiseTakesItsPlace) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Event e = raise("gw-1-1", Severity::warning);
    book.adopt(e);
    book.refused(e);
    Feed feed{book};
    Event up = feed(follow("gw-1-2", "gw-1-1", EventState::update, Severity::critical));
    STRCMP_EQUAL("gw-1-1", up.id.c_str());
    CHECK(up.state == EventState::raise);
    LONGS_EQUAL(1, book.open().size());
    CHECK(book.open()[0].severity == Severity::critical);
    CHECK(book.tick().empty());

    Event other = raise("gw-1-3");
    other.type = "water_rising";
    book.adopt(other);
    book.refused(other);
    feed(follow("gw-1-4", "gw-1-3", EventState::clear));
    auto out = book.tick();
    LONGS_EQUAL(0, out.size());
}

// A camera's clear names no incident: it still takes the place of its
// refused raise, which, made again after it, opened an incident nothing
// closed.
TEST(IncidentBook, ACameraClearTakesThePlaceOfItsRefusedRaise) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Event off = camera_offline("gw-1-1");
    book.adopt(off);
    book.refused(off);
    LONGS_EQUAL(1, book.tick().size());
    Feed feed{book};
    feed(camera_back("gw-1-2"));
    CHECK(book.tick().empty());
    CHECK(book.open().empty());
}

// A copy tick() made is stale once a newer event of its incident came:
// it is not to be stored (each store waits for a commit, and meanwhile the
// clear may have been stored).
TEST(IncidentBook, ARefusedEventMadeAgainIsStaleOnceANewerOneCame) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Event e = raise("gw-1-1");
    book.adopt(e);
    book.refused(e);
    auto out = book.tick();
    LONGS_EQUAL(1, out.size());
    CHECK(book.still_refused(out[0]));
    Feed feed{book};
    feed(follow("gw-1-2", "gw-1-1", EventState::clear));
    CHECK_FALSE(book.still_refused(out[0]));
}

// A re-send or an escalation the store refused (full) is not counted as
// sent: the next tick makes it again, the same. (The book used to count it
// and mark the incident escalated before it was stored, so a refused
// escalation was never sent.)
TEST(IncidentBook, AReSendOrEscalationTheStoreRefusedComesAgain) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1"));
    clock.advance(60000);
    auto refused = book.tick();
    LONGS_EQUAL(1, refused.size());
    clock.advance(1000);
    auto again = book.tick();
    LONGS_EQUAL(1, again.size());
    LONGS_EQUAL(1, *again[0].renotify);
    feed(again[0]);
    CHECK(book.tick().empty());  // stored: the next one is 60 s on
    clock.advance(240000);       // 301 s since the raise
    refused = book.tick();
    LONGS_EQUAL(1, refused.size());
    CHECK(refused[0].escalated);
    CHECK_FALSE(book.open()[0].escalated);
    again = book.tick();
    LONGS_EQUAL(1, again.size());
    CHECK(again[0].escalated);
    CHECK(again[0].severity == Severity::critical);
    feed(again[0]);
    CHECK(book.open()[0].escalated);
    CHECK(book.open()[0].severity == Severity::critical);
    LONGS_EQUAL(1, book.open()[0].renotify);
}

// While the link is down nothing is re-sent: the center has not had the
// last one, and a day offline queued 288 re-sends per incident. The
// escalation is still made, and re-sends resume once the link is back.
TEST(IncidentBook, NoReSendWhileTheLinkIsDown) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1"));
    for (int i = 0; i < 4; ++i) {
        clock.advance(60000);
        CHECK(book.tick(true).empty());
    }
    clock.advance(60000);  // 300 s
    auto out = book.tick(true);
    LONGS_EQUAL(1, out.size());
    CHECK(out[0].escalated);
    feed(out[0]);
    clock.advance(60000);
    CHECK(book.tick(true).empty());
    out = book.tick(false);
    LONGS_EQUAL(1, out.size());
    LONGS_EQUAL(1, *out[0].renotify);
    STRCMP_CONTAINS("unacknowledged for 360 s", out[0].message.c_str());
}

TEST(IncidentBook, CriticalStaysCriticalWhenEscalated) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1", Severity::critical));
    clock.advance(300000);
    auto out = book.tick();
    LONGS_EQUAL(1, out.size());
    CHECK(out[0].escalated);
    CHECK(out[0].severity == Severity::critical);
}

// A re-send repeats the incident's current state: the severity of the
// detector's latest update, up or down; escalation goes one step above
// that, and only from then on is a lower update held up. (Re-sends used to
// repeat the raise's severity, so an alarm that grew critical was
// re-notified as an alarm, and every later update was forced up to the
// raise's severity, clears too.)
TEST(IncidentBook, ResendsRepeatTheDetectorsLatestSeverityAndEscalationHoldsItsOwn) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1"));
    feed(follow("gw-1-2", "gw-1-1", EventState::update, Severity::critical));
    clock.advance(60000);
    auto out = book.tick();
    LONGS_EQUAL(1, out.size());
    CHECK(out[0].severity == Severity::critical);
    feed(out[0]);
    // Down again before any escalation: the update says so, and so do re-sends.
    Event down = feed(follow("gw-1-3", "gw-1-1", EventState::update, Severity::alarm));
    CHECK(down.severity == Severity::alarm);
    clock.advance(60000);
    out = book.tick();
    LONGS_EQUAL(1, out.size());
    CHECK(out[0].severity == Severity::alarm);
    feed(out[0]);
    clock.advance(180000);  // 300 s since the raise: escalated from alarm
    out = book.tick();
    LONGS_EQUAL(1, out.size());
    CHECK(out[0].escalated);
    CHECK(out[0].severity == Severity::critical);
    feed(out[0]);
    Event held = feed(follow("gw-1-4", "gw-1-1", EventState::update, Severity::alarm));
    CHECK(held.severity == Severity::critical);
    CHECK(held.escalated);
}

TEST(IncidentBook, ABeforeEscalationClearKeepsItsOwnSeverity) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1", Severity::critical));
    Event clear = feed(follow("gw-1-2", "gw-1-1", EventState::clear, Severity::alarm));
    CHECK(clear.severity == Severity::alarm);
    CHECK_FALSE(book.ack("gw-1-1", "ops", "").ok());  // closed
}

// Below renotify_min_severity: followed (acked, closed after a restart), never
// re-sent or escalated, until an update crosses the threshold; its re-sends
// and escalation then count from the crossing, not from the warning's raise.
TEST(IncidentBook, BelowTheThresholdIsFollowedButNotResent) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1", Severity::warning));
    clock.advance(600000);
    CHECK(book.tick().empty());
    LONGS_EQUAL(1, book.open().size());
    CHECK_FALSE(book.open()[0].due);
    feed(follow("gw-1-2", "gw-1-1", EventState::update, Severity::alarm));
    clock.advance(60000);
    auto out = book.tick();
    LONGS_EQUAL(1, out.size());
    LONGS_EQUAL(1, *out[0].renotify);
    CHECK_FALSE(out[0].escalated);  // 60 s due, not the 660 s since the warning
    // A notice is followed too, and can be acknowledged.
    feed(raise("gw-1-3", Severity::notice));
    auto ack = book.ack("gw-1-3", "ops", "");
    CHECK_TEXT(ack.ok(), ack.ok() ? "" : ack.error().c_str());
    STRCMP_EQUAL("ops", ack->update->acked_by->c_str());
}

// The store's own warnings (rows evicted) are one-shot reports: never cleared,
// so not followed; info events neither.
TEST(IncidentBook, OneShotStoreWarningsAndInfoAreNotFollowed) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    Event evicted = raise("gw-1-1", Severity::warning);
    evicted.kind = "store";
    evicted.one_shot = true;
    feed(evicted);
    feed(raise("gw-1-2", Severity::info));
    LONGS_EQUAL(0, book.open().size());
    CHECK_FALSE(book.ack("gw-1-1", "ops", "").ok());
}

// The store's alarms (full, an alarm refused, recovered from damage) are
// one-shot reports too: no clear ever comes, so they were re-sent every
// renotify_s, escalated to critical once the store was fine again and kept
// open until a restart.
TEST(IncidentBook, OneShotStoreAlarmsAreNeitherResentNorEscalated) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    Event full = raise("gw-1-1", Severity::alarm);
    full.detector = "store";
    full.kind = "store";
    full.type = "store_full";
    full.one_shot = true;
    feed(full);
    LONGS_EQUAL(0, book.open().size());
    clock.advance(settings().escalate_after_ms);
    CHECK(book.tick().empty());
}

// Never-cleared warnings (injected, or a detector's bug) do not grow the
// book without end: the oldest followed one is let go.
TEST(IncidentBook, FollowedWarningsAreBounded) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-alarm"));
    for (int i = 0; i < 300; ++i) {
        feed(raise("gw-1-w" + std::to_string(i), Severity::warning));
        clock.advance(1);
    }
    LONGS_EQUAL(257, book.open().size());  // 256 warnings and the alarm
    CHECK_FALSE(book.ack("gw-1-w43", "ops", "").ok());
    CHECK(book.ack("gw-1-w44", "ops", "").ok());
    CHECK(book.ack("gw-1-alarm", "ops", "").ok());
    // Let go, not closed: grown into an alarm, it is tracked (and re-sent) again.
    feed(follow("gw-1-x", "gw-1-w0", EventState::update, Severity::alarm));
    LONGS_EQUAL(258, book.open().size());
    clock.advance(60000);
    size_t resent = 0;
    for (const auto& e : book.tick()) resent += e.incident == "gw-1-w0";
    LONGS_EQUAL(1, resent);
}

// A camera names no incident on its clear (the intake gives the clear its own
// id): the open incident of its detector and type is meant, and the clear
// is sent under that incident's id, so the book and the center close it.
TEST(IncidentBook, AClearThatNamesNoIncidentClosesItsDetectorsOpenOne) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    const Event offline = camera_offline("gw-1-1");
    feed(offline);
    LONGS_EQUAL(1, book.open().size());
    Event back = camera_back("gw-1-2");
    back.incident.clear();  // the intake sets it to the clear's own id
    Event sent = feed(back);
    STRCMP_EQUAL("gw-1-1", sent.incident.c_str());
    LONGS_EQUAL(0, book.open().size());
}

// A camera's raise cut short by a restart (its record made, the store's
// commit not) loads unconfirmed and is never continued: the camera's next
// raise opens a new incident. Its clear, naming no incident, means that
// one; it closed the old one (first by the order of ids), and the new one
// stayed open at the gateway and the center.
TEST(IncidentBook, AClearThatNamesNoIncidentMeansTheOneRaisedSinceTheRestart) {
    {
        IncidentBook book(settings(), table, clock, log);
        CHECK(book.load().ok());
        Event off = camera_offline("gw-1-1");
        book.adopt(off);  // the power goes before the store commits it
    }
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    STRCMP_EQUAL("gw-2-1", feed(camera_offline("gw-2-1")).incident.c_str());
    LONGS_EQUAL(2, book.open().size());
    Event back = camera_back("gw-2-2");
    back.incident.clear();
    STRCMP_EQUAL("gw-2-1", feed(back).incident.c_str());
    LONGS_EQUAL(1, book.open().size());
    STRCMP_EQUAL("gw-1-1", book.open()[0].id.c_str());  // closed after the grace
}

// A camera raised the same fault again while its earlier incident waited
// for a clear the store had refused: its next clear, naming no incident,
// means the new one. It closed the old one (first by the order of ids),
// and the new one stayed open, re-sent and escalated.
TEST(IncidentBook, AClearThatNamesNoIncidentSkipsOneOnItsWayOut) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    const Event offline = camera_offline("gw-1-1");
    feed(offline);
    Event back = camera_back("gw-1-2");
    book.adopt(back);
    book.refused(back);  // the alarm lane is full
    feed(camera_offline("gw-1-5"));
    LONGS_EQUAL(2, book.open().size());
    STRCMP_EQUAL("gw-1-5", feed(camera_back("gw-1-6")).incident.c_str());
    auto out = book.tick();  // the refused clear, made again
    LONGS_EQUAL(1, out.size());
    STRCMP_EQUAL("gw-1-2", out[0].id.c_str());
    feed(out[0]);
    CHECK(book.open().empty());
}

TEST(IncidentBook, AckStopsResendsAndLaterUpdatesCarryIt) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1"));
    feed(follow("gw-1-2", "gw-1-1", EventState::update));
    clock.advance(10000);
    // By the id of any of its events.
    auto r = book.ack("gw-1-2", "operator 7", "crew dispatched");
    CHECK_TEXT(r.ok(), r.ok() ? "" : r.error().c_str());
    STRCMP_EQUAL("gw-1-1", r->incident.c_str());
    CHECK_FALSE(r->already);
    CHECK(r->update.has_value());
    STRCMP_EQUAL("operator 7", r->update->acked_by->c_str());
    STRCMP_EQUAL("crew dispatched", r->update->ack_note->c_str());
    CHECK(r->update->state == EventState::update);
    STRCMP_EQUAL("gw-1-1", r->update->incident.c_str());
    feed(*r->update);
    clock.advance(3600000);
    CHECK(book.tick().empty());  // neither re-sent nor escalated
    // A repeated ack: ok, nothing new to send.
    auto again = book.ack("gw-1-1", "someone else", "");
    CHECK(again.ok());
    CHECK(again->already);
    CHECK_FALSE(again->update.has_value());
    // The detector's next update says who acknowledged it.
    Event upd = feed(follow("gw-1-9", "gw-1-1", EventState::update));
    STRCMP_EQUAL("operator 7", upd.acked_by->c_str());
}

TEST(IncidentBook, ClearClosesAndAckOfClosedOrUnknownFails) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1"));
    feed(follow("gw-1-2", "gw-1-1", EventState::clear));
    LONGS_EQUAL(0, book.open().size());
    clock.advance(600000);
    CHECK(book.tick().empty());
    auto closed = book.ack("gw-1-1", "ops", "");
    CHECK_FALSE(closed.ok());
    STRCMP_CONTAINS("closed", closed.error().c_str());
    auto unknown = book.ack("gw-9-9", "ops", "");
    CHECK_FALSE(unknown.ok());
    STRCMP_CONTAINS("no open incident", unknown.error().c_str());
}

// A long incident's ids are kept for its newest 64 events, so memory stays
// bounded however long it runs; an ack by an older event's id is refused
// with what to use instead (the incident id every event carries).
TEST(IncidentBook, AnAckByAnEventTooOldToBeKeptSaysWhatNamesTheIncident) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1"));
    for (int n = 2; n <= 70; ++n)
        feed(follow("gw-1-" + std::to_string(n), "gw-1-1", EventState::update));
    auto old = book.ack("gw-1-2", "ops", "");
    CHECK_FALSE(old.ok());
    STRCMP_CONTAINS("no open incident with incident or event id gw-1-2", old.error().c_str());
    STRCMP_CONTAINS("the `incident` of each of its events", old.error().c_str());
    STRCMP_CONTAINS("its newest 64 events", old.error().c_str());
    CHECK(book.ack("gw-1-7", "ops", "").ok());  // the 64th newest of 70
    CHECK(book.ack("gw-1-1", "ops", "")->already);
}

// A re-send (or an ack's update) made before the clear but stored after it,
// as the intake's threads may order them, and a later event of a closed
// incident: none opens it again. (It was tracked anew, re-sent every
// renotify_s and escalated for ever after its clear, its ack lost.)
TEST(IncidentBook, ALateUpdateOfAClosedIncidentDoesNotOpenItAgain) {
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1"));
    clock.advance(60000);
    auto resend = book.tick();
    LONGS_EQUAL(1, resend.size());
    auto acked = book.ack("gw-1-1", "ops", "");
    CHECK(acked.ok() && acked->update);
    feed(follow("gw-1-2", "gw-1-1", EventState::clear));
    feed(resend[0]);
    feed(*acked->update);
    feed(follow("gw-1-5", "gw-1-1", EventState::update));
    LONGS_EQUAL(0, book.open().size());
    clock.advance(600000);
    CHECK(book.tick().empty());
}

TEST(IncidentBook, RestartAdoptsAReRaiseAndKeepsTheAck) {
    {
        IncidentBook book(settings(), table, clock, log);
        CHECK(book.load().ok());
        Feed feed{book};
        feed(raise("gw-1-1"));
        CHECK(book.ack("gw-1-1", "ops", "on it").ok());
    }
    clock.advance(30000);
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    LONGS_EQUAL(1, book.open().size());
    Feed feed{book};
    // The detector raises again in the new boot, with an incident id of its own.
    Event re = feed(raise("gw-2-1"));
    CHECK(re.state == EventState::update);
    STRCMP_EQUAL("gw-1-1", re.incident.c_str());
    STRCMP_EQUAL("ops", re.acked_by->c_str());
    // Its later events, under its own incident id, land on the old incident.
    Event clr = feed(follow("gw-2-5", "gw-2-1", EventState::clear));
    STRCMP_EQUAL("gw-1-1", clr.incident.c_str());
    LONGS_EQUAL(0, book.open().size());
}

// A type its detector tells only some time after a start (a stuck gauge:
// stuck_s) is kept that long, then the grace, before it is closed.
TEST(IncidentBook, ATypeToldLaterIsClosedAfterItsOwnTimeAndTheGrace) {
    {
        IncidentBook book(settings(), table, clock, log);
        CHECK(book.load().ok());
        Feed feed{book};
        Event stuck = raise("gw-1-1", Severity::warning);
        stuck.type = "sensor_stuck";
        feed(stuck);
    }
    BookSettings s = settings();
    s.seen_again_ms = [](const std::string& detector, const std::string& type) -> int64_t {
        return detector == "flood-1" && type == "sensor_stuck" ? 3600000 : 0;
    };
    IncidentBook book(s, table, clock, log);
    CHECK(book.load().ok());
    clock.advance(3600000 + 120000 - 1);
    CHECK(book.tick().empty());
    clock.advance(1);
    auto out = book.tick();
    LONGS_EQUAL(1, out.size());
    CHECK(out[0].state == EventState::clear);
    STRCMP_CONTAINS("not seen since restart", out[0].message.c_str());
}

// A reload or a restart forgets what the detectors had raised: an alarm, and
// a warning too (it used to stay open at the center for ever), is closed if
// its detector does not raise it again within the grace.
TEST(IncidentBook, NotReconfirmedAfterRestartIsClearedAfterTheGrace) {
    {
        IncidentBook book(settings(), table, clock, log);
        CHECK(book.load().ok());
        Feed feed{book};
        feed(raise("gw-1-1"));
        Event warning = raise("gw-1-2", Severity::warning);
        warning.type = "water_rise_rate";
        feed(warning);
    }
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    clock.advance(119999);
    CHECK(book.tick().empty());  // unconfirmed: not re-sent during the grace
    clock.advance(1);
    auto out = book.tick();
    LONGS_EQUAL(2, out.size());
    for (const auto& e : out) {
        CHECK(e.state == EventState::clear);
        STRCMP_CONTAINS("not seen since restart", e.message.c_str());
    }
    STRCMP_EQUAL("gw-1-1", out[0].incident.c_str());
    CHECK(out[0].severity == Severity::alarm);
    STRCMP_EQUAL("gw-1-2", out[1].incident.c_str());
    CHECK(out[1].severity == Severity::warning);
    // Not stored (a full store): still open, and cleared again at the next
    // tick. (They were closed before the clears were stored, and a refused
    // clear left them open at the center for good.)
    LONGS_EQUAL(2, book.open().size());
    LONGS_EQUAL(2, book.tick().size());
    // A raise while the clears are on their way starts a new incident: it
    // must not continue the one they close.
    Feed feed{book};
    Event raised = feed(raise("gw-2-1"));
    CHECK(raised.state == EventState::raise);
    STRCMP_EQUAL("gw-2-1", raised.incident.c_str());
    for (const auto& e : out) feed(e);
    LONGS_EQUAL(1, book.open().size());
    STRCMP_EQUAL("gw-2-1", book.open()[0].id.c_str());
    IncidentBook after(settings(), table, clock, log);
    CHECK(after.load().ok());
    LONGS_EQUAL(1, after.open().size());
}

// A gateway without an RTC boots with its clock hours behind, and NTP
// steps it later. The grace, the re-sends and the escalation count on the
// monotonic clock: the step neither closes unconfirmed incidents at once
// nor makes a fresh alarm overdue (they used to count on the wall clock).
TEST(IncidentBook, AWallClockStepNeitherEndsTheGraceNorEscalates) {
    {
        IncidentBook book(settings(), table, clock, log);
        CHECK(book.load().ok());
        Feed feed{book};
        feed(raise("gw-1-1"));
    }
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    clock.step_wall(6 * 3600 * 1000LL);
    CHECK(book.tick().empty());  // still within the grace
    Feed feed{book};
    feed(raise("gw-2-1"));  // re-confirmed
    Event smoke = raise("gw-2-2");
    smoke.detector = "smoke-1";
    smoke.kind = "fire";
    smoke.type = "smoke";
    feed(smoke);  // a new incident
    clock.step_wall(6 * 3600 * 1000LL);
    CHECK(book.tick().empty());  // nothing is due after a step alone
    clock.advance(60000);
    auto out = book.tick();
    LONGS_EQUAL(2, out.size());  // one re-send each, 60 s after the last
    for (const auto& e : out) {
        LONGS_EQUAL(1, *e.renotify);
        CHECK_FALSE(e.escalated);
    }
}

// A gateway moved to another site (or given a new id) no longer watches the
// place its open incidents are about: the first tick closes them, named
// under the site and gateway they were opened with, and its detectors'
// raises open new incidents instead of continuing them.
TEST(IncidentBook, AnIncidentOfTheGatewaysEarlierIdentityIsClosedAndNotContinued) {
    BookSettings before = settings();
    before.origin = {"s1", "gw1"};
    {
        IncidentBook book(before, table, clock, log);
        CHECK(book.load().ok());
        Feed feed{book};
        feed(raise("gw1-1-1"));
        CHECK(book.ack("gw1-1-1", "ops", "").ok());
    }
    BookSettings moved = settings();
    moved.origin = {"s2", "gw2"};
    IncidentBook book(moved, table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    Event fresh = feed(raise("gw2-1-1"));
    CHECK(fresh.state == EventState::raise);
    STRCMP_EQUAL("gw2-1-1", fresh.incident.c_str());
    CHECK_FALSE(fresh.origin.has_value());
    auto out = book.tick();
    LONGS_EQUAL(1, out.size());
    const Event& closed = out[0];
    CHECK(closed.state == EventState::clear);
    STRCMP_EQUAL("gw1-1-1", closed.incident.c_str());
    CHECK(closed.origin == before.origin);
    STRCMP_EQUAL("ops", closed.acked_by->c_str());
    STRCMP_CONTAINS("now site s2, gateway gw2", closed.message.c_str());
    STRCMP_EQUAL("s2", closed.details["reprovisioned_as"]["site"].get<std::string>().c_str());
    feed(closed);  // stored: closed
    LONGS_EQUAL(1, book.open().size());
    STRCMP_EQUAL("gw2-1-1", book.open()[0].id.c_str());
    CHECK(book.open()[0].origin == moved.origin);
    // Restarted under the same identity, the new incident is its own.
    IncidentBook again(moved, table, clock, log);
    CHECK(again.load().ok());
    Feed refeed{again};
    CHECK(refeed(raise("gw2-2-1")).state == EventState::update);
}

// An alarm that measures nothing (value null in the contract, NaN inside)
// is stored as null; reading it back must not drop the record as
// unreadable, which lost the incident at every restart.
TEST(IncidentBook, AnIncidentWithoutAValueSurvivesARestart) {
    {
        IncidentBook book(settings(), table, clock, log);
        CHECK(book.load().ok());
        Feed feed{book};
        Event e = raise("gw-1-1");
        e.value = gw::kNoValue;
        feed(e);
    }
    IncidentBook book(settings(), table, clock, log);
    CHECK(book.load().ok());
    LONGS_EQUAL(1, book.open().size());
    CHECK(std::isnan(book.open()[0].value));
}

TEST(IncidentBook, RenotifyCountAndEscalationSurviveARestartInSqlite) {
    gw::test::TempDir dir;
    const std::string path = dir.path() + "/store.db";
    {
        auto t = gw::loop::SqliteStateTable::open(path, "incident");
        CHECK_TEXT(t.ok(), t.ok() ? "" : t.error().c_str());
        IncidentBook book(settings(), **t, clock, log);
        CHECK(book.load().ok());
        Feed feed{book};
        feed(raise("gw-1-1"));
        clock.advance(60000);
        for (auto& e : book.tick()) feed(e);
        clock.advance(240000);
        for (auto& e : book.tick()) feed(e);  // escalated
    }
    auto t = gw::loop::SqliteStateTable::open(path, "incident");
    CHECK(t.ok());
    IncidentBook book(settings(), **t, clock, log);
    CHECK(book.load().ok());
    auto open = book.open();
    LONGS_EQUAL(1, open.size());
    LONGS_EQUAL(1, open[0].renotify);
    CHECK(open[0].escalated);
    CHECK(open[0].severity == Severity::critical);
    Feed feed{book};
    feed(raise("gw-2-1"));  // re-confirmed
    clock.advance(60000);
    auto out = book.tick();
    LONGS_EQUAL(1, out.size());
    LONGS_EQUAL(2, *out[0].renotify);
    CHECK(out[0].escalated);
}

TEST(IncidentBook, ResendOffAndEscalationOff) {
    BookSettings s = settings();
    s.renotify_ms = 0;
    s.escalate_after_ms = 0;
    IncidentBook book(s, table, clock, log);
    CHECK(book.load().ok());
    Feed feed{book};
    feed(raise("gw-1-1"));
    clock.advance(86400000);
    CHECK(book.tick().empty());
    CHECK(book.ack("gw-1-1", "ops", "").ok());  // still tracked for acks
}
