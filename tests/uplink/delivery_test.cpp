// The uplink's logic (Delivery) against a fake transport: window, order of
// lanes, failover, backoff, resend. The store is real (a file in a temp dir);
// time is a ManualClock; transport outcomes are fired by the test.
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "contract/routes.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/utf8.hpp"
#include "store/fixture.hpp"
#include "store/store.hpp"
#include "support/subscriber.hpp"
#include "support/temp_dir.hpp"
#include "uplink/delivery.hpp"
#include "uplink/transport.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw;

namespace {

std::FILE* quiet() {
    static std::FILE* f = std::fopen("/dev/null", "w");
    return f;
}

class FakeTransport final : public uplink::Transport {
  public:
    struct Publish {
        std::string topic;
        std::string payload;
        int qos;
        bool retained;
        uplink::Completion done;
    };
    std::vector<uplink::ConnectOptions> connects;
    uplink::ConnectionHandlers handlers;  // of the last connect
    std::vector<Publish> published;
    int disconnects = 0;
    bool refuse_publishes = false;  // as Paho does with its buffer full (-12)

    Status connect(const uplink::ConnectOptions& o, uplink::ConnectionHandlers h) override {
        connects.push_back(o);
        handlers = std::move(h);
        return Status::success();
    }
    Status publish(const std::string& topic, std::string payload, int qos, bool retained,
                   uplink::Completion done) override {
        if (refuse_publishes) return fail("MQTT error [-12]: No more messages can be buffered");
        // As Paho's MQTTAsync_send checks before anything is sent.
        if (!is_utf8(topic)) return fail("MQTT error [-5]: Invalid UTF-8 string");
        published.push_back({topic, std::move(payload), qos, retained, std::move(done)});
        return Status::success();
    }
    Status subscribe(const std::string&, int, uplink::Completion) override {
        return fail("not used by the uplink");
    }
    void disconnect(int) override { ++disconnects; }
};

struct Rig {
    test::TempDir dir;
    ManualClock clock{1700000000000};
    Log log{LogLevel::error, quiet()};
    std::unique_ptr<Store> store;
    FakeTransport transport;
    std::vector<LinkEvent> events;
    UplinkConfig config;
    contract::Topics topics = contract::make_topics("city", "s1", "gw1");
    std::unique_ptr<Delivery> delivery;
    // Indexes into transport.published of data publishes not completed yet.
    std::set<size_t> open;

    explicit Rig(int window = 10, std::vector<std::string> brokers = {"tcp://b1:1883"}) {
        config.brokers = std::move(brokers);
        config.client_id = "gw1-client";
        config.inflight_window = window;
        config.reconnect_min_ms = 100;
        config.reconnect_max_ms = 400;
        open_store();
    }
    // (Again: the store closed first, with the delivery over it.)
    void open_store(const std::function<void()>& while_closed = {}) {
        delivery.reset();
        store.reset();
        if (while_closed) while_closed();
        StoreOptions so;
        so.path = dir.file("store.db");
        so.commit_window_ms = 0;
        auto s = Store::open(so, clock, log);
        CHECK_TEXT(s.ok(), s.ok() ? "" : s.error().c_str());
        store = std::move(*s);
        delivery = std::make_unique<Delivery>(
            config, topics, contract::Origin{"s1", "gw1"},
            contract::GatewayStatus{"test", store->boot(), "hash", true, 0}, *store, clock, log,
            transport, [this](LinkEvent e) { events.push_back(std::move(e)); });
    }
    void turn() {
        std::vector<LinkEvent> e;
        e.swap(events);
        const size_t before = transport.published.size();
        delivery->turn(e);
        for (size_t i = before; i < transport.published.size(); ++i)
            if (!test::ends_with(transport.published[i].topic, "/status")) open.insert(i);
    }
    void connect() {
        turn();
        transport.handlers.connected(Status::success());
        turn();
    }
    // The broker acks the birth of the connection made last.
    void take_birth() {
        for (size_t i = transport.published.size(); i-- > 0;)
            if (test::ends_with(transport.published[i].topic, "/status") &&
                transport.published[i].done) {
                auto done = std::move(transport.published[i].done);
                done(Status::success());
                turn();
                return;
            }
        FAIL("no birth to take");
    }
    void complete(size_t i, Status s = Status::success()) {
        open.erase(i);
        auto done = std::move(transport.published[i].done);
        done(std::move(s));
    }
    std::string alarm(int i) {
        const std::string p = "{\"id\":\"a" + std::to_string(i) + "\"}";
        CHECK(store->append(Lane::alarm, i, contract::kEventRoute, p).ok());
        return p;
    }
    // The connection drops; after the backoff the next one is made (the
    // broker acknowledging its retained status when `birth_acked`, before
    // the rows go). Returns the index in transport.published of the new
    // connection's first publish.
    size_t reconnect_after_loss(bool birth_acked = false) {
        transport.handlers.lost("broker closed the connection");
        turn();
        // Lost with its birth not taken, or soon after: the wait doubles.
        clock.advance(config.reconnect_max_ms);
        const size_t first = transport.published.size();
        open.clear();
        connect();
        if (birth_acked) {
            CHECK(test::ends_with(transport.published.at(first).topic, "/status"));
            transport.published[first].done(Status::success());
            turn();
        }
        return first;
    }
    // As above; returns the data publishes of the new connection.
    std::vector<std::pair<std::string, std::string>> drop_and_reconnect(bool birth_acked = false) {
        return data(reconnect_after_loss(birth_acked));
    }
    // Data publishes (not status) in order: topic suffix after the base, payload.
    std::vector<std::pair<std::string, std::string>> data(size_t from = 0) const {
        std::vector<std::pair<std::string, std::string>> out;
        for (size_t i = from; i < transport.published.size(); ++i) {
            const auto& p = transport.published[i];
            if (!test::ends_with(p.topic, "/status"))
                out.push_back({p.topic.substr(topics.base.size() + 1), p.payload});
        }
        return out;
    }
};

}  // namespace

TEST_GROUP(Delivery){};

TEST(Delivery, ConnectsWithWillCleanSessionAndPublishesARetainedBirth) {
    Rig r;
    r.connect();
    LONGS_EQUAL(1, r.transport.connects.size());
    const auto& o = r.transport.connects[0];
    STRCMP_EQUAL("tcp://b1:1883", o.uri.c_str());
    STRCMP_EQUAL("gw1-client", o.client_id.c_str());
    CHECK(o.clean_session);
    CHECK(o.will.has_value());
    STRCMP_EQUAL("city/s1/gw1/status", o.will->topic.c_str());
    CHECK(o.will->retained);
    STRCMP_CONTAINS("\"online\":false", o.will->payload.c_str());
    // Fixed at connect time, the Will names no mode (it could be stale when sent).
    CHECK(o.will->payload.find("\"mode\"") == std::string::npos);
    CHECK_FALSE(o.tls.has_value());
    LONGS_EQUAL(1, r.transport.published.size());
    STRCMP_EQUAL("city/s1/gw1/status", r.transport.published[0].topic.c_str());
    CHECK(r.transport.published[0].retained);
    STRCMP_CONTAINS("\"online\":true", r.transport.published[0].payload.c_str());
    STRCMP_CONTAINS("\"mode\":\"normal\"", r.transport.published[0].payload.c_str());
    CHECK(r.delivery->state().connected);
}

TEST(Delivery, WindowIsNeverExceededAndEveryRowIsAckedOnce) {
    Rig r(10);
    for (int i = 0; i < 100; ++i) r.alarm(i);
    r.connect();
    size_t most = 0;
    std::multiset<std::string> acked;
    while (acked.size() < 100) {
        most = std::max(most, r.open.size());
        CHECK(r.open.size() <= 10);
        CHECK_FALSE(r.open.empty());
        // Acks out of order: the newest and the oldest of what is in flight.
        for (size_t i : {*r.open.rbegin(), *r.open.begin()}) {
            if (!r.open.count(i)) continue;
            acked.insert(r.transport.published[i].payload);
            r.complete(i);
        }
        r.turn();
        LONGS_EQUAL(static_cast<long>(r.open.size()), r.delivery->state().inflight);
    }
    LONGS_EQUAL(10, most);
    LONGS_EQUAL(100, std::set<std::string>(acked.begin(), acked.end()).size());
    LONGS_EQUAL(100, r.data().size());  // nothing published twice
    r.store->flush();
    LONGS_EQUAL(0, r.store->stats().alarm.rows);
}

TEST(Delivery, AlarmsGoBeforeEvidenceBeforeTelemetryEachToItsRoute) {
    Rig r(4);  // one slot kept for alarms: three go at first
    for (int i = 0; i < 4; ++i)
        CHECK(
            r.store->append(Lane::telemetry, i, contract::kTelemetryRoute, "t" + std::to_string(i))
                .ok());
    for (int i = 0; i < 2; ++i)
        CHECK(r.store
                  ->append(Lane::evidence, i,
                           contract::evidence_route("gw1-1-0000000" + std::to_string(i)),
                           "e" + std::to_string(i))
                  .ok());
    r.alarm(0);
    r.alarm(1);
    r.connect();
    auto d = r.data();
    LONGS_EQUAL(3, d.size());
    STRCMP_EQUAL("event", d[0].first.c_str());
    STRCMP_EQUAL("event", d[1].first.c_str());
    STRCMP_EQUAL("evidence/gw1-1-00000000", d[2].first.c_str());
    STRCMP_EQUAL("e0", d[2].second.c_str());
    // An alarm that arrives while evidence and telemetry wait goes first.
    r.alarm(2);
    r.complete(*r.open.begin());
    r.turn();
    d = r.data();
    STRCMP_EQUAL("event", d[3].first.c_str());
    STRCMP_CONTAINS("a2", d[3].second.c_str());
    while (r.data().size() < 9) {
        r.complete(*r.open.begin());
        r.turn();
    }
    d = r.data();
    STRCMP_EQUAL("evidence/gw1-1-00000001", d[4].first.c_str());
    for (size_t i = 5; i < 9; ++i) {
        STRCMP_EQUAL("telemetry", d[i].first.c_str());
        STRCMP_EQUAL(("t" + std::to_string(i - 5)).c_str(), d[i].second.c_str());
    }
}

// A quarter of the window is kept for alarms: after an outage the window
// fills with evidence and telemetry, and an alarm raised then used to wait
// for one of them to be acknowledged (tens of seconds of images on a slow
// cellular link).
TEST(Delivery, AQuarterOfTheWindowIsKeptForAlarms) {
    Rig r(8);
    for (int i = 0; i < 20; ++i)
        CHECK(
            r.store->append(Lane::telemetry, i, contract::kTelemetryRoute, "t" + std::to_string(i))
                .ok());
    r.connect();
    LONGS_EQUAL(6, r.open.size());  // 8 - 2 kept
    r.alarm(0);
    r.turn();  // nothing acknowledged yet
    auto d = r.data();
    LONGS_EQUAL(7, d.size());
    STRCMP_EQUAL("event", d.back().first.c_str());
    r.alarm(1);
    r.alarm(2);
    r.turn();
    LONGS_EQUAL(8, r.open.size());  // the window, never more
    STRCMP_EQUAL("event", r.data().back().first.c_str());
}

// A window of 2 or 3 kept no slot (3 / 4 = 0): an alarm waited behind
// images in flight, minutes on a cellular link.
TEST(Delivery, ASmallWindowStillKeepsASlotForAlarms) {
    Rig r(3);
    for (int i = 0; i < 5; ++i)
        CHECK(r.store->append(Lane::evidence, i, "evidence/e" + std::to_string(i), "jpeg").ok());
    r.connect();
    LONGS_EQUAL(2, r.open.size());  // 3 - 1 kept
    r.alarm(0);
    r.turn();
    LONGS_EQUAL(3, r.open.size());
    STRCMP_EQUAL("event", r.data().back().first.c_str());
}

// Paho sends publishes in order on one TCP stream: the slots kept for
// alarms let an alarm be queued at once, but after an outage it went out
// behind every image in flight (38 of ~200 KB with the default window,
// minutes on a slow cellular link). Evidence and telemetry in flight are
// now held to 64 KB, one row always, so an alarm waits behind little.
TEST(Delivery, EvidenceInFlightIsHeldToAFewBytesSoAnAlarmIsNotQueuedBehindIt) {
    Rig r(50);
    const std::string image(40 * 1024, 'j');   // two are more than 64 KB
    const std::string large(200 * 1024, 'J');  // larger than the budget
    CHECK(r.store->append(Lane::evidence, 0, "evidence/e0", large).ok());
    for (int i = 1; i < 6; ++i)
        CHECK(r.store->append(Lane::evidence, i, "evidence/e" + std::to_string(i), image).ok());
    for (int i = 0; i < 20; ++i)
        CHECK(
            r.store->append(Lane::telemetry, i, contract::kTelemetryRoute, "t" + std::to_string(i))
                .ok());
    r.connect();
    LONGS_EQUAL(1, r.open.size());  // the large image goes, alone
    r.alarm(0);
    r.turn();
    LONGS_EQUAL(2, r.open.size());
    STRCMP_EQUAL("event", r.data().back().first.c_str());
    r.complete(*r.open.rbegin());  // the alarm is acked: the image is still in flight
    r.turn();
    LONGS_EQUAL(1, r.open.size());
    r.complete(*r.open.begin());
    r.turn();
    LONGS_EQUAL(1, r.open.size());  // one 40 KB image: a second would be 80 KB
    STRCMP_EQUAL("evidence/e1", r.data().back().first.c_str());
    for (int i = 2; i < 5; ++i) {
        r.complete(*r.open.begin());
        r.turn();
        LONGS_EQUAL(1, r.open.size());
        STRCMP_EQUAL(("evidence/e" + std::to_string(i)).c_str(), r.data().back().first.c_str());
    }
    // The last image, and the telemetry behind it (small rows) beside it.
    r.complete(*r.open.begin());
    r.turn();
    LONGS_EQUAL(1 + 20, r.open.size());
    auto d = r.data();
    LONGS_EQUAL(1 + 5 + 1 + 20, d.size());
    STRCMP_EQUAL("evidence/e5", d[d.size() - 21].first.c_str());
}

// While an image fills the bulk budget, the images behind it are not read
// again at each turn to find that the first still does not fit: that was
// ~37 rows of ~200 KB a turn, tens of MB a second from the card for as long
// as an image took on a slow link.
TEST(Delivery, ImagesWaitingForTheBulkBudgetAreNotReadAgainEachTurn) {
    Rig r(50);
    const std::string large(200 * 1024, 'J');
    for (int i = 0; i < 10; ++i)
        CHECK(r.store->append(Lane::evidence, i, "evidence/e" + std::to_string(i), large).ok());
    r.connect();
    LONGS_EQUAL(1, r.open.size());
    const int64_t read = r.store->rows_read();
    for (int i = 0; i < 20; ++i) r.turn();
    LONGS_EQUAL(read, r.store->rows_read());
    const std::string a = r.alarm(1);  // alarms are still read, and go
    r.turn();
    STRCMP_EQUAL(a.c_str(), r.data().back().second.c_str());
    LONGS_EQUAL(read + 1, r.store->rows_read());
    r.complete(*r.open.begin());  // the image landed: the next goes
    r.turn();
    STRCMP_EQUAL("evidence/e1", r.data().back().first.c_str());
}

// A telemetry row waiting for room in the budget holds back only the
// telemetry: a small image behind it still goes, as evidence goes first.
TEST(Delivery, ATelemetryRowWaitingForTheBudgetDoesNotHoldBackEvidence) {
    Rig r(50);
    CHECK(r.store->append(Lane::evidence, 0, "evidence/e0", std::string(40 * 1024, 'j')).ok());
    CHECK(
        r.store->append(Lane::telemetry, 0, contract::kTelemetryRoute, std::string(40 * 1024, 't'))
            .ok());
    r.connect();
    LONGS_EQUAL(1, r.open.size());  // the image; the telemetry row would make 80 KB
    CHECK(r.store->append(Lane::evidence, 1, "evidence/e1", std::string(10 * 1024, 'j')).ok());
    r.turn();
    LONGS_EQUAL(2, r.open.size());
    STRCMP_EQUAL("evidence/e1", r.data().back().first.c_str());
}

// Where round trips are long a site raises the budget: more images go at once.
TEST(Delivery, TheBulkBudgetIsTheConfigured) {
    Rig r(50);
    r.config.inflight_bulk_kb = 100;
    r.open_store();
    const std::string image(40 * 1024, 'j');
    for (int i = 0; i < 5; ++i)
        CHECK(r.store->append(Lane::evidence, i, "evidence/e" + std::to_string(i), image).ok());
    r.connect();
    LONGS_EQUAL(2, r.open.size());  // 80 KB; a third would be 120
}

// Every new row, ack and failed publish wakes the loop, so idle it sleeps
// until its next timer: the connect given up, a parked row's release, an
// unreadable lane's retry. It read the store five times a second instead.
TEST(Delivery, IdleItSleepsUntilItsNextTimerNotAFifthOfASecond) {
    Rig r(10);
    r.turn();  // connecting: given up 5 + 10 s after it began
    LONGS_EQUAL(Delivery::kLongestIdleMs, r.delivery->idle_ms());
    r.clock.advance(13000);
    LONGS_EQUAL(2001, r.delivery->idle_ms());
    r.transport.handlers.connected(Status::success());
    r.turn();
    r.take_birth();
    LONGS_EQUAL(Delivery::kLongestIdleMs, r.delivery->idle_ms());
    CHECK(r.store->append(Lane::alarm, 0, "event\xff", "{\"id\":\"bad\"}").ok());
    r.turn();
    LONGS_EQUAL(1, r.delivery->state().parked);
    r.clock.advance(600000 - 1500);
    LONGS_EQUAL(1500, r.delivery->idle_ms());  // its release
    r.clock.advance(1500);
    r.turn();
    LONGS_EQUAL(1, r.delivery->state().parked);  // refused again: parked again
    LONGS_EQUAL(Delivery::kLongestIdleMs, r.delivery->idle_ms());
}

// A poor cellular link (1-2 s round trips, TLS with a client certificate)
// needs more than 5 s to connect; the timeout was fixed, so every attempt
// timed out. It is uplink.connect_timeout_s, and a connect whose outcome
// never comes is given up 10 s after it.
TEST(Delivery, TheConnectTimeoutIsTheConfigured) {
    Rig r(10);
    r.config.connect_timeout_s = 20;
    r.open_store();
    r.turn();
    LONGS_EQUAL(1, r.transport.connects.size());
    LONGS_EQUAL(20, r.transport.connects[0].connect_timeout_s);
    r.clock.advance(30000);
    r.turn();
    CHECK(r.delivery->state().last_error.empty());  // still waiting
    r.clock.advance(1);
    r.turn();
    STRCMP_EQUAL("connect timed out", r.delivery->state().last_error.c_str());
}

TEST(Delivery, FailsOverAcrossTheBrokerListInOrder) {
    Rig r(10, {"tcp://b1:1883", "mqtt://b2:1883", "tcp://b3:1883"});
    r.turn();
    r.transport.handlers.connected(fail("refused"));
    r.turn();  // b2 right away
    r.transport.handlers.connected(fail("refused"));
    r.turn();  // b3 right away
    r.transport.handlers.connected(fail("refused"));
    r.turn();  // a whole round failed: wait
    LONGS_EQUAL(3, r.transport.connects.size());
    STRCMP_EQUAL("tcp://b1:1883", r.transport.connects[0].uri.c_str());
    STRCMP_EQUAL("tcp://b2:1883", r.transport.connects[1].uri.c_str());  // mqtt:// is tcp://
    STRCMP_EQUAL("tcp://b3:1883", r.transport.connects[2].uri.c_str());
    // Readers print the error after the broker: it does not name it again...
    STRCMP_EQUAL("tcp://b3:1883", r.delivery->state().broker.c_str());
    STRCMP_EQUAL("refused", r.delivery->state().last_error.c_str());
    r.clock.advance(100);
    r.turn();
    LONGS_EQUAL(4, r.transport.connects.size());
    STRCMP_EQUAL("tcp://b1:1883", r.transport.connects[3].uri.c_str());
    // ...unless it came from another broker than the one now tried.
    STRCMP_EQUAL("tcp://b1:1883", r.delivery->state().broker.c_str());
    STRCMP_EQUAL("tcp://b3:1883: refused", r.delivery->state().last_error.c_str());
    r.transport.handlers.connected(Status::success());
    r.turn();
    r.take_birth();
    CHECK(r.delivery->state().connected);
    // b1 dies: it is tried again first, then b2 takes over.
    r.transport.handlers.lost("gone");
    r.turn();
    CHECK_FALSE(r.delivery->state().connected);
    r.clock.advance(100);
    r.turn();
    STRCMP_EQUAL("tcp://b1:1883", r.transport.connects.back().uri.c_str());
    r.transport.handlers.connected(fail("refused"));
    r.turn();
    STRCMP_EQUAL("tcp://b2:1883", r.transport.connects.back().uri.c_str());
    r.transport.handlers.connected(Status::success());
    r.turn();
    STRCMP_EQUAL("tcp://b2:1883", r.delivery->state().broker.c_str());
    CHECK(r.delivery->state().connected);
}

TEST(Delivery, BackoffDoublesAfterEachFailedRoundUpToTheMaximumAndResetsOnSuccess) {
    Rig r(10, {"tcp://b1:1883", "tcp://b2:1883"});
    auto fail_round = [&] {
        for (int i = 0; i < 2; ++i) {
            r.transport.handlers.connected(fail("refused"));
            r.turn();
        }
    };
    // Each round waits longer before the next: 100, 200, 400, 400 (the max).
    r.turn();
    for (int wait : {100, 200, 400, 400}) {
        fail_round();
        const size_t tried = r.transport.connects.size();
        LONGS_EQUAL(wait, r.delivery->idle_ms());
        r.clock.advance(wait - 1);
        r.turn();
        LONGS_EQUAL(tried, r.transport.connects.size());  // not yet
        r.clock.advance(1);
        r.turn();
        LONGS_EQUAL(tried + 1, r.transport.connects.size());
    }
    r.transport.handlers.connected(Status::success());
    r.turn();
    r.take_birth();  // the broker takes its publishes
    r.transport.handlers.lost("gone");
    r.turn();
    r.clock.advance(100);
    r.turn();
    fail_round();
    LONGS_EQUAL(100, r.delivery->idle_ms());  // back to the minimum
}

// A broker that accepts each connection and drops it (a second gateway
// with the same client id taking the session over, an ACL that closes the
// connection at its first publish) was connected to again every
// reconnect_min_ms for ever, and the next broker never tried. A
// connection lost before the broker took its birth is a failed connect
// (on to the next broker); one lost within 30 s of it makes the next
// wait twice as long; a connection that held resets both.
TEST(Delivery, ABrokerThatDropsEachConnectionIsBackedOffAndFailedOver) {
    Rig r(10, {"tcp://b1:1883", "tcp://b2:1883"});
    r.connect();
    r.transport.handlers.lost("closed at the birth");
    r.turn();
    LONGS_EQUAL(2, r.transport.connects.size());  // b2 right away
    STRCMP_EQUAL("tcp://b2:1883", r.transport.connects.back().uri.c_str());
    r.transport.handlers.connected(Status::success());
    r.turn();
    r.take_birth();
    // Taken over again and again within seconds: 100, 200, 400, 400 (max).
    for (int wait : {100, 200, 400, 400}) {
        r.clock.advance(5000);
        r.transport.handlers.lost("session taken over");
        r.turn();
        LONGS_EQUAL(wait, r.delivery->idle_ms());
        r.clock.advance(wait);
        r.turn();
        STRCMP_EQUAL("tcp://b2:1883", r.transport.connects.back().uri.c_str());
        r.transport.handlers.connected(Status::success());
        r.turn();
        r.take_birth();
    }
    // A connection that held 30 s: lost, it is made again after the minimum.
    r.clock.advance(30000);
    r.transport.handlers.lost("gone");
    r.turn();
    LONGS_EQUAL(100, r.delivery->idle_ms());
}

TEST(Delivery, AFailedPublishResendsOnlyThatRowAndAReconnectOnlyWhatIsUnacked) {
    Rig r(10);
    std::vector<std::string> rows;
    for (int i = 0; i < 5; ++i) rows.push_back(r.alarm(i));
    r.connect();
    auto d = r.data();
    LONGS_EQUAL(5, d.size());
    std::vector<size_t> idx(r.open.begin(), r.open.end());
    r.complete(idx[0]);
    r.complete(idx[2]);
    r.complete(idx[1], fail("publish failed, rc -3"));
    r.turn();
    d = r.data();
    LONGS_EQUAL(6, d.size());  // row 1 again, and nothing else
    STRCMP_EQUAL(rows[1].c_str(), d[5].second.c_str());
    LONGS_EQUAL(3, r.delivery->state().inflight);
    // The connection drops: after the reconnect every row still unacked goes
    // again, the acked ones do not; the first alone until its PUBACK (was the
    // drop the broker refusing it?), then the rest.
    r.store->flush();
    const size_t before = r.reconnect_after_loss();
    d = r.data(before);
    LONGS_EQUAL(1, d.size());
    STRCMP_EQUAL(rows[1].c_str(), d[0].second.c_str());
    r.complete(*r.open.begin());
    r.turn();
    std::multiset<std::string> again;
    for (auto& p : r.data(before)) again.insert(p.second);
    CHECK(again == std::multiset<std::string>({rows[1], rows[3], rows[4]}));
    // A late report of the dropped connection: its PUBACK still deletes the
    // row, its failure changes nothing.
    r.transport.published[idx[3]].done(Status::success());
    r.transport.published[idx[4]].done(fail("late"));
    const size_t now_published = r.transport.published.size();
    r.turn();
    LONGS_EQUAL(now_published, r.transport.published.size());
    r.store->flush();
    LONGS_EQUAL(1, r.store->stats().alarm.rows);  // row 4, in flight
}

// The store deletes acked rows a little later (it gathers acks): a
// reconnect in between must still not send them again.
TEST(Delivery, AReconnectDoesNotResendRowsWhoseDeleteIsStillGathered) {
    Rig r(10);
    std::vector<std::string> rows;
    for (int i = 0; i < 4; ++i) rows.push_back(r.alarm(i));
    r.connect();
    std::vector<size_t> idx(r.open.begin(), r.open.end());
    LONGS_EQUAL(4, idx.size());
    r.complete(idx[0]);
    r.complete(idx[1]);
    r.turn();
    // The store's clock stands still: without a flush these acks would wait.
    LONGS_EQUAL(4, r.store->stats().alarm.rows);
    const size_t before = r.reconnect_after_loss();
    LONGS_EQUAL(1, r.data(before).size());  // alone first, after a lost link
    r.complete(*r.open.begin());
    r.turn();
    std::multiset<std::string> again;
    for (auto& p : r.data(before)) again.insert(p.second);
    CHECK(again == std::multiset<std::string>({rows[2], rows[3]}));
}

// Some brokers close the connection on a publish they will not take (a size
// limit, an ACL) rather than acknowledge and drop it. Resent first after
// every reconnect, that row would hold back every row behind it for good:
// lost alone three times in a row it is parked, the rest flow, and it is
// tried again after 10 minutes. It stays in the store throughout.
TEST(Delivery, ARowTheBrokerClosesTheConnectionOnIsParkedAndTheRestFlow) {
    Rig r(10);
    std::vector<std::string> rows;
    for (int i = 0; i < 3; ++i) rows.push_back(r.alarm(i));
    r.connect();
    LONGS_EQUAL(3, r.data().size());  // a full window: nothing lost yet
    for (int loss = 0; loss < 3; ++loss) {
        auto d = r.drop_and_reconnect();
        LONGS_EQUAL(1, d.size());  // alone: the suspect
        STRCMP_EQUAL(rows[0].c_str(), d[0].second.c_str());
        LONGS_EQUAL(0, r.delivery->state().parked);
    }
    auto d = r.drop_and_reconnect();  // its third loss alone: parked
    LONGS_EQUAL(1, r.delivery->state().parked);
    LONGS_EQUAL(1, d.size());
    STRCMP_EQUAL(rows[1].c_str(), d[0].second.c_str());
    r.complete(*r.open.begin());
    r.turn();
    d = r.data(r.transport.published.size() - 1);
    STRCMP_EQUAL(rows[2].c_str(), d.at(0).second.c_str());
    r.complete(*r.open.begin());
    r.turn();
    r.store->flush();
    LONGS_EQUAL(1, r.store->stats().alarm.rows);  // kept
    // Ten minutes on, it goes again, on the same connection.
    const size_t before = r.transport.published.size();
    r.clock.advance(600000);
    r.turn();
    d = r.data(before);
    LONGS_EQUAL(1, d.size());
    STRCMP_EQUAL(rows[0].c_str(), d[0].second.c_str());
    LONGS_EQUAL(0, r.delivery->state().parked);
}

// A stored topic damaged on the card (a bit flip that is no longer UTF-8)
// is refused by Paho before anything is sent. That read as a dead link:
// reconnect (the Will fired), the same row first again, and no row behind
// it ever sent.
TEST(Delivery, ARowWhoseTopicCannotBePublishedIsParkedAndTheRestFlow) {
    Rig r(10);
    CHECK(r.store->append(Lane::alarm, 0, "event\xff", "{\"id\":\"bad\"}").ok());
    const std::string good = r.alarm(1);
    r.connect();
    r.turn();
    LONGS_EQUAL(1, r.transport.connects.size());
    LONGS_EQUAL(0, r.transport.disconnects);
    auto d = r.data();
    LONGS_EQUAL(1, d.size());
    STRCMP_EQUAL(good.c_str(), d[0].second.c_str());
    LONGS_EQUAL(1, r.delivery->state().parked);
    r.complete(*r.open.begin());
    r.turn();
    r.store->flush();
    LONGS_EQUAL(1, r.store->stats().alarm.rows);  // kept, not lost
    // Tried again after the park, and parked again: still no reconnect.
    r.clock.advance(600000);
    r.turn();
    LONGS_EQUAL(1, r.transport.connects.size());
    LONGS_EQUAL(1, r.delivery->state().parked);
}

// After a lost connection rows go one at a time, but an alarm raised
// meanwhile does not wait behind a lone image: it goes beside it, one at a
// time, as the quarter of the window kept for alarms does otherwise.
TEST(Delivery, AnAlarmGoesBesideALoneImageAfterAReconnect) {
    Rig r(10);
    CHECK(r.store->append(Lane::evidence, 1, contract::evidence_route("e1"), "{\"image\":1}").ok());
    r.connect();
    const size_t before = r.reconnect_after_loss();
    LONGS_EQUAL(1, r.data(before).size());  // the image, alone
    const std::string a1 = r.alarm(1), a2 = r.alarm(2);
    r.turn();
    auto d = r.data(before);
    LONGS_EQUAL(2, d.size());  // one alarm beside it
    STRCMP_EQUAL(a1.c_str(), d[1].second.c_str());
    r.complete(*std::next(r.open.begin()));  // the alarm's PUBACK
    r.turn();
    d = r.data(before);
    LONGS_EQUAL(3, d.size());  // the next alarm beside the image still out
    STRCMP_EQUAL(a2.c_str(), d[2].second.c_str());
    // Its publish fails: it goes again at once, still beside the image.
    r.complete(*std::next(r.open.begin()), fail("publish failed, rc -3"));
    r.turn();
    d = r.data(before);
    LONGS_EQUAL(4, d.size());
    STRCMP_EQUAL(a2.c_str(), d[3].second.c_str());
}

// A park is withdrawn when the next connection is lost too before any
// PUBACK, with another row out: then the link fails, not the row (a broker
// that refuses the gateway's status topic closes every connection).
TEST(Delivery, AParkIsWithdrawnWhenTheLinkFailsWithTheNextRowToo) {
    Rig r(10);
    const std::string a0 = r.alarm(0), a1 = r.alarm(1);
    r.connect();
    for (int i = 0; i < 4; ++i) r.drop_and_reconnect();  // the window, then a0 alone three times
    LONGS_EQUAL(1, r.delivery->state().parked);
    auto d = r.drop_and_reconnect();  // a1 was out alone: lost as well
    LONGS_EQUAL(0, r.delivery->state().parked);
    STRCMP_EQUAL(a0.c_str(), d.at(0).second.c_str());  // first again
}

// A broker that takes the gateway's status but refuses two rows in a row
// (two images over its size limit) gets both parked: the status's PUBACK
// shows the link works, so losing the second row does not withdraw the
// first's park (the two would otherwise take turns for good).
TEST(Delivery, TwoRefusedRowsInARowAreBothParkedWhenTheBrokerTakesTheStatus) {
    Rig r(10);
    const std::string a0 = r.alarm(0), a1 = r.alarm(1), a2 = r.alarm(2);
    r.connect();
    for (int i = 0; i < 4; ++i) r.drop_and_reconnect(true);  // the window, then a0 alone x3
    LONGS_EQUAL(1, r.delivery->state().parked);
    for (int i = 0; i < 2; ++i) {
        auto d = r.drop_and_reconnect(true);  // a1 alone, lost, out again
        STRCMP_EQUAL(a1.c_str(), d.at(0).second.c_str());
        LONGS_EQUAL(1, r.delivery->state().parked);  // a0 stays parked
    }
    auto d = r.drop_and_reconnect(true);  // a1's third loss alone
    LONGS_EQUAL(2, r.delivery->state().parked);
    LONGS_EQUAL(1, d.size());
    STRCMP_EQUAL(a2.c_str(), d[0].second.c_str());
}

// A row parked and sent again after its 10 minutes is parked again the
// first time it is lost alone: no three more reconnects for a row the
// broker has refused before.
TEST(Delivery, AReleasedRowLostAloneOnceIsParkedAgain) {
    Rig r(10);
    const std::string a0 = r.alarm(0);
    r.connect();
    for (int i = 0; i < 4; ++i) r.drop_and_reconnect();
    LONGS_EQUAL(1, r.delivery->state().parked);
    r.alarm(1);
    r.turn();
    r.complete(*r.open.begin());  // another row's PUBACK: the link works
    r.turn();
    r.clock.advance(600000);
    r.turn();  // released: a0 goes again
    LONGS_EQUAL(0, r.delivery->state().parked);
    auto d = r.drop_and_reconnect();  // lost with the window
    STRCMP_EQUAL(a0.c_str(), d.at(0).second.c_str());
    LONGS_EQUAL(1, d.size());  // alone
    r.drop_and_reconnect();
    LONGS_EQUAL(1, r.delivery->state().parked);
}

// A flaky link that drops while rows are out alone does not add up across
// rows: each row's count is its own, and a PUBACK ends it.
TEST(Delivery, ARowLostAloneThenAckedIsNotParked) {
    Rig r(10);
    const std::string row = r.alarm(0);
    r.connect();
    r.drop_and_reconnect();       // the full window's loss: row now goes alone
    r.drop_and_reconnect();       // lost alone: 1
    r.drop_and_reconnect();       // 2
    r.complete(*r.open.begin());  // acked on this connection
    r.turn();
    r.alarm(1);
    r.turn();
    r.drop_and_reconnect();  // row 1 alone next
    r.drop_and_reconnect();  // lost alone: 1
    r.drop_and_reconnect();  // 2
    LONGS_EQUAL(0, r.delivery->state().parked);
    r.store->flush();
    LONGS_EQUAL(1, r.store->stats().alarm.rows);
}

// Paho's queue must take a whole window plus the status publishes beside it
// (else a full window fails with -12 and reconnects).
TEST(Delivery, TheClientBuffersMoreThanAWholeWindow) {
    for (int window : {10, 100}) {
        Rig r(window);
        r.connect();
        CHECK(r.transport.connects[0].max_buffered > window);
    }
}

TEST(Delivery, ShutdownSaysOfflineAndDisconnects) {
    Rig r;
    r.connect();
    r.delivery->shutdown(50);
    LONGS_EQUAL(1, r.transport.disconnects);
    const auto& last = r.transport.published.back();
    STRCMP_EQUAL("city/s1/gw1/status", last.topic.c_str());
    CHECK(last.retained);
    STRCMP_CONTAINS("\"online\":false", last.payload.c_str());
    CHECK_FALSE(r.delivery->state().connected);
}

// A publish refused by the client marks the link down and a reconnect is
// due, but the old connection may still be up: a stop in that moment must
// still say offline, since a clean disconnect suppresses the Will and the
// retained status would say online for good.
TEST(Delivery, AStopRightAfterARefusedPublishStillSaysOffline) {
    Rig r;
    r.connect();
    r.alarm(1);
    r.transport.refuse_publishes = true;
    r.turn();
    CHECK_FALSE(r.delivery->state().connected);
    r.transport.refuse_publishes = false;
    r.delivery->shutdown(50);
    const auto& last = r.transport.published.back();
    STRCMP_EQUAL("city/s1/gw1/status", last.topic.c_str());
    STRCMP_CONTAINS("\"online\":false", last.payload.c_str());
    LONGS_EQUAL(1, r.transport.disconnects);
}

// A page of the store damaged at run time under telemetry rows: reading
// them fails. That is no fault of the link, which was dropped and made
// again every reconnect_min_ms with every lane held back. Now the link
// stays, the alarm goes, and the telemetry lane waits and is tried again.
TEST(Delivery, AnUnreadableLaneNeitherDropsTheLinkNorHoldsTheOthersBack) {
    Rig r;
    for (int i = 0; i < 3000; ++i)  // more than SQLite's page cache holds
        CHECK(r.store->append(Lane::telemetry, i, contract::kTelemetryRoute, std::string(1000, 'x'))
                  .ok());
    std::vector<std::pair<int64_t, int64_t>> leaves;
    r.open_store([&] { leaves = test::pages_of(r.dir.file("store.db"), "telemetry", "leaf"); });
    CHECK(leaves.size() >= 3);
    test::damage_page(r.dir.file("store.db"), leaves[1].first);  // after the check at open
    const std::string a = r.alarm(1);
    r.connect();
    auto d = r.data();
    LONGS_EQUAL(1, d.size());
    STRCMP_EQUAL(a.c_str(), d[0].second.c_str());
    CHECK(r.delivery->state().connected);
    LONGS_EQUAL(1, r.transport.connects.size());
    STRCMP_CONTAINS("telemetry: ", r.delivery->state().store_error.c_str());
    // Tried again after 10 s: still unreadable, still no reconnect.
    r.complete(*r.open.begin());
    r.clock.advance(10000);
    r.turn();
    LONGS_EQUAL(1, r.transport.connects.size());
    CHECK(r.delivery->state().connected);
    LONGS_EQUAL(1, r.data().size());
}
