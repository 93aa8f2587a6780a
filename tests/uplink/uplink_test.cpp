// The delivery chain against a real mosquitto: outage, eviction, failover.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "gateway_parts.hpp"
#include "store/sqlite.hpp"
#include "support/mosquitto.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw;
using namespace gw::test;

namespace {

StoreOptions store_in(const TempDir& dir) {
    StoreOptions o;
    o.path = dir.file("store.db");
    o.commit_window_ms = 2;
    return o;
}

std::vector<Sample> samples(int from, int n) {
    std::vector<Sample> out;
    for (int i = from; i < from + n; ++i)
        out.push_back({"p" + std::to_string(i), double(i), Quality::good, 1000 + i});
    return out;
}

}  // namespace

TEST_GROUP(Uplink) {
    TempDir dir;
};

TEST(Uplink, BrokerDownThenBackEverythingArrivesAlarmsFirst) {
    BrokerOptions bo;
    bo.persistence = true;  // the subscriber's session survives the restart
    Mosquitto broker(dir.path(), "broker", bo);
    broker.start();
    Subscriber sub(broker.uri(), "center-outage", "city/#");
    CHECK(sub.ready(10000));
    GatewayParts gw(store_in(dir), test_uplink({broker.uri()}, "gw-outage"));
    CHECK(gw.uplink->start().ok());

    std::vector<std::string> before{gw.event("before-1"), gw.event("before-2")};
    CHECK(sub.wait_until([&](auto& m) { return count_ids(m, before) == before.size(); }, 20000));

    broker.stop(SIGTERM);
    std::vector<std::string> during;
    for (int i = 0; i < 30; ++i) {
        CHECK(gw.intake->submit_telemetry(samples(i * 3, 3)).ok());
        during.push_back(gw.event("during-" + std::to_string(i)));
    }
    CHECK_EQUAL(30, gw.store->stats().alarm.rows);
    broker.start();

    auto telemetry_count = [](const std::vector<Received>& m) {
        return std::count_if(m.begin(), m.end(),
                             [](auto& r) { return ends_with(r.topic, "/telemetry"); });
    };
    CHECK_TEXT(sub.wait_until(
                   [&](auto& m) {
                       return count_ids(m, during) == during.size() && telemetry_count(m) == 30;
                   },
                   30000),
               broker.log().c_str());
    // Every outage event arrived before any outage telemetry.
    auto msgs = sub.messages();
    size_t last_event = 0, first_tel = msgs.size();
    for (size_t i = 0; i < msgs.size(); ++i) {
        if (ends_with(msgs[i].topic, "/telemetry")) first_tel = std::min(first_tel, i);
        if (count_ids({msgs[i]}, during)) last_event = i;
    }
    CHECK(last_event < first_tel);
    // Each telemetry message is a batch of samples.
    auto t = parse(msgs[first_tel]);
    CHECK_EQUAL(3u, t["samples"].size());
    gw.store->flush();
    CHECK(sub.wait_until(
        [&](auto&) {
            gw.store->flush();
            return gw.store->stats().alarm.rows == 0;
        },
        10000));
}

TEST(Uplink, TelemetryCapEvictsOldestKeepsAlarmsAndReportsIt) {
    Mosquitto broker(dir.path(), "broker");
    auto so = store_in(dir);
    so.telemetry_max_bytes = 20000;
    GatewayParts gw(so, test_uplink({broker.uri()}, "gw-cap"));
    std::vector<std::string> alarms;
    for (int i = 0; i < 10; ++i) {
        alarms.push_back(gw.event("kept-" + std::to_string(i)));
        for (int k = 0; k < 30; ++k)
            CHECK(gw.intake->submit_telemetry(samples(i * 30 + k, 1)).ok());
    }
    gw.intake->report_store_notices();
    const auto kept_rows = gw.store->stats().telemetry.rows;
    CHECK(kept_rows < 300);

    broker.start();
    Subscriber sub(broker.uri(), "center-cap", "city/#");
    CHECK(sub.ready(10000));
    CHECK(gw.uplink->start().ok());
    auto tel = [](const std::vector<Received>& m) {
        std::vector<nlohmann::json> out;
        for (auto& r : m)
            if (ends_with(r.topic, "/telemetry")) out.push_back(parse(r));
        return out;
    };
    CHECK(sub.wait_until(
        [&](auto& m) { return count_ids(m, alarms) == 10 && tel(m).size() == size_t(kept_rows); },
        30000));
    auto msgs = sub.messages();
    auto received = tel(msgs);
    STRCMP_EQUAL("p299", received.back()["samples"][0]["point"].get<std::string>().c_str());
    CHECK(received.front()["samples"][0]["point"] != "p0");
    bool reported = false;
    for (auto& j : events_of_type(msgs, "telemetry_evicted")) {
        reported = true;
        CHECK_EQUAL("store", j["kind"].get<std::string>());
        CHECK_EQUAL(300 - kept_rows, j["value"].get<long>());
    }
    CHECK(reported);
}

TEST(Uplink, FailsOverToTheSecondBrokerWhenTheFirstDies) {
    Mosquitto b1(dir.path(), "b1"), b2(dir.path(), "b2");
    b1.start();
    b2.start();
    Subscriber s1(b1.uri(), "center-1", "city/#"), s2(b2.uri(), "center-2", "city/#");
    CHECK(s1.ready(10000) && s2.ready(10000));
    GatewayParts gw(store_in(dir), test_uplink({b1.uri(), b2.uri()}, "gw-failover"));
    CHECK(gw.uplink->start().ok());
    std::vector<std::string> first{gw.event("on-first")};
    CHECK(s1.wait_until([&](auto& m) { return count_ids(m, first) == 1; }, 20000));

    b1.stop(SIGKILL);
    std::vector<std::string> second;
    for (int i = 0; i < 5; ++i) second.push_back(gw.event("after-failover-" + std::to_string(i)));
    CHECK(s2.wait_until([&](auto& m) { return count_ids(m, second) == second.size(); }, 20000));
    CHECK_EQUAL(b2.uri(), gw.uplink->state().broker);
    CHECK(gw.uplink->state().connected);
    // The second broker also got the retained birth message.
    auto msgs = s2.messages();
    CHECK(std::any_of(msgs.begin(), msgs.end(), [](auto& m) {
        return ends_with(m.topic, "/status") && parse(m)["online"] == true;
    }));
}

TEST(Uplink, LastWillSaysOfflineWhenTheGatewayVanishes) {
    Mosquitto broker(dir.path(), "broker");
    broker.start();
    Subscriber sub(broker.uri(), "center-will", "city/+/+/status");
    CHECK(sub.ready(10000));
    {
        GatewayParts gw(store_in(dir), test_uplink({broker.uri()}, "gw-will"));
        CHECK(gw.uplink->start().ok());
        CHECK(sub.wait_until(
            [](auto& m) { return !m.empty() && parse(m.back())["online"] == true; }, 20000));
    }
    // A clean stop publishes online=false itself (the Will covers a crash).
    CHECK(sub.wait_until([](auto& m) { return parse(m.back())["online"] == false; }, 20000));
    auto last = parse(sub.messages().back());
    CHECK_EQUAL("gw1", last["gateway"].get<std::string>());
}

TEST(Uplink, UsesCredentialsAndRefusesAWorldReadableFile) {
    const std::string pw = dir.file("passwd");
    auto made = gw::test::run({"mosquitto_passwd", "-b", "-c", pw, "gateway", "s3cret"});
    CHECK_EQUAL(0, made.code);
    BrokerOptions bo;
    bo.password_file = pw;
    Mosquitto broker(dir.path(), "broker", bo);
    broker.start();
    const std::string creds = dir.write("mqtt.credentials", "gateway\ns3cret\n");
    chmod(creds.c_str(), 0644);
    auto uc = test_uplink({broker.uri()}, "gw-creds");
    uc.credentials_file = creds;
    {
        GatewayParts gw(store_in(dir), uc);
        auto st = gw.uplink->start();
        CHECK_FALSE(st.ok());
        STRCMP_CONTAINS("is world-readable (mode 0644)", st.error().c_str());
    }
    chmod(creds.c_str(), 0600);
    GatewayParts gw(store_in(dir), uc);
    CHECK(gw.uplink->start().ok());
    gw.event("with-credentials");
    // A PUBACK from a broker that refuses anonymous clients: the login worked.
    CHECK_TEXT(wait_for([&] { return gw.uplink->state().acked >= 1; }, 20000),
               gw.uplink->state().last_error.c_str());
}

// A gateway upgraded in the field: its store file is of schema 1 (no routes,
// evidence in the alarm table). Every unsent row still goes out, each to its
// topic, events first.
TEST(Uplink, AStoreOfTheEarlierSchemaIsDeliveredAfterTheUpgrade) {
    const std::string evidence = contract::encode_evidence("gw1-4-00000001", "image/jpeg",
                                                           {1, 2, 3}, {"s1", "gw1"}, 1700000000000);
    {
        auto db = sqlite::Db::open(dir.file("store.db"));
        CHECK(db->exec("PRAGMA journal_mode=WAL;"
                       "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT "
                       "ROWID;"
                       "CREATE TABLE alarm(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                       " t_ms INTEGER NOT NULL, payload BLOB NOT NULL);"
                       "CREATE TABLE telemetry(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                       " t_ms INTEGER NOT NULL, payload BLOB NOT NULL);"
                       "INSERT INTO meta VALUES('boot', 4);"
                       "INSERT INTO telemetry(t_ms, payload) VALUES(1, CAST('{\"t\":1}' AS BLOB));"
                       "INSERT INTO alarm(t_ms, payload) VALUES(2,"
                       " CAST('{\"id\":\"gw1-4-00000001\"}' AS BLOB));")
                  .ok());
        auto ins = db->prepare("INSERT INTO alarm(t_ms, payload) VALUES(3, ?)");
        ins->bind_blob(1, evidence);
        CHECK(ins->step() == SQLITE_DONE);
    }
    Mosquitto broker(dir.path(), "broker");
    broker.start();
    Subscriber sub(broker.uri(), "center-upgrade", "city/#");
    CHECK(sub.ready(10000));
    GatewayParts gw(store_in(dir), test_uplink({broker.uri()}, "gw-upgrade"));
    CHECK(gw.uplink->start().ok());
    auto data = [](const std::vector<Received>& m) {
        std::vector<Received> out;
        for (const auto& r : m)
            if (!ends_with(r.topic, "/status")) out.push_back(r);
        return out;
    };
    CHECK(sub.wait_until([&](auto& m) { return data(m).size() >= 3; }, 20000));
    auto got = data(sub.messages());
    LONGS_EQUAL(3, got.size());
    STRCMP_EQUAL("city/s1/gw1/event", got[0].topic.c_str());
    STRCMP_CONTAINS("gw1-4-00000001", got[0].payload.c_str());
    STRCMP_EQUAL("city/s1/gw1/evidence/gw1-4-00000001", got[1].topic.c_str());
    STRCMP_EQUAL(evidence.c_str(), got[1].payload.c_str());
    STRCMP_EQUAL("city/s1/gw1/telemetry", got[2].topic.c_str());
    LONGS_EQUAL(5, gw.store->boot());
}
