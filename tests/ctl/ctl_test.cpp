// Every gatewayctl command against a running gatewayd with the site
// simulator and a real mosquitto (see ctl_fixture.hpp).
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/control_client.hpp"
#include "ctl_fixture.hpp"
#include "replay/trace.hpp"

#include <CppUTest/TestHarness.h>

using gw::test::eventually;
using gw::test::RunResult;
using gw::test::Site;
using nlohmann::json;

namespace {

json parse(const RunResult& r) {
    json j = json::parse(r.out, nullptr, false);
    if (j.is_discarded()) FAIL(("not JSON: " + r.out + r.err).c_str());
    return j;
}

// Every sample of a trace that `record` wrote; a line replay cannot read fails.
std::vector<gw::Sample> read_trace(const std::string& path) {
    std::ifstream in(path);
    gw::replay::TraceReader reader(in);
    std::vector<gw::Sample> out;
    for (;;) {
        auto s = reader.next();
        CHECK_TEXT(s.ok(), s.ok() ? "" : s.error().c_str());
        if (!s.ok() || !*s) return out;
        out.push_back(**s);
    }
}

const json* find_by(const json& list, const char* key, const std::string& value) {
    for (const auto& item : list)
        if (item.value(key, std::string()) == value) return &item;
    return nullptr;
}

// The samples reply names its ring; it stays for the daemon's life (0 if
// the daemon does not answer).
uint64_t sample_ring(const std::string& socket) {
    auto r = gw::ControlClient(socket, 5000).call({{"cmd", "samples"}});
    return r ? (*r).value("ring", uint64_t(0)) : 0;
}

}  // namespace

TEST_GROUP(CtlSite) {
    std::unique_ptr<Site> site;
    void setup() override {
        site = std::make_unique<Site>();
        site->start_daemon();
    }
    void teardown() override {
        site.reset();
    }
};

TEST(CtlSite, StatusIsATableByDefaultAndJsonOnRequest) {
    CHECK(eventually(
        [&] { return site->ctl({"status"}).out.find("connected to") != std::string::npos; }));
    auto table = site->ctl({"status"});
    LONGS_EQUAL(0, table.code);
    STRCMP_CONTAINS("broker", table.out.c_str());
    STRCMP_CONTAINS("store alarm", table.out.c_str());
    STRCMP_CONTAINS("active alarms", table.out.c_str());
    STRCMP_CONTAINS("batches dropped", table.out.c_str());
    CHECK(table.out.find("\x1b[") == std::string::npos);  // not a terminal: no colours
    auto j = parse(site->ctl({"status", "--json"}));
    CHECK(j["broker"]["connected"].get<bool>());
    // The pipeline's counts: the buses are read, nothing fell behind.
    CHECK(j["pipeline"]["samples"].get<long>() > 0);
    LONGS_EQUAL(0, j["pipeline"]["dropped_detection"].get<long>());
    LONGS_EQUAL(0, j["pipeline"]["event_failures"].get<long>());
    STRCMP_EQUAL("gw1", j["gateway"].get<std::string>().c_str());
    CHECK(j["active"].is_array());
}

TEST(CtlSite, PointsShowLiveValuesWithQualityAndAge) {
    CHECK_TEXT(eventually([&] {
                   auto j = parse(site->ctl({"points", "--json"}));
                   const json* p = find_by(j, "id", "water_depth");
                   return p && p->value("quality", std::string()) == "good";
               }),
               site->daemon_log().c_str());
    auto j = parse(site->ctl({"points", "--json"}));
    const json* depth = find_by(j, "id", "water_depth");
    DOUBLES_EQUAL(12.3, (*depth)["value"].get<double>(), 1e-9);
    CHECK((*depth)["age_ms"].is_number());
    auto table = site->ctl({"points"});
    LONGS_EQUAL(0, table.code);
    STRCMP_CONTAINS("water_depth", table.out.c_str());
    STRCMP_CONTAINS("12.3", table.out.c_str());
    STRCMP_CONTAINS("lift_floor", table.out.c_str());
}

TEST(CtlSite, DevicesShowCountersAndAnUnknownIdIsNamed) {
    CHECK_TEXT(eventually([&] {
                   auto j = parse(site->ctl({"devices", "--json"}));
                   const json* d = find_by(j, "id", "flood-gauge");
                   return d && d->value("online", false) && d->value("requests", 0) > 0;
               }),
               site->daemon_log().c_str());
    auto table = site->ctl({"devices"});
    LONGS_EQUAL(0, table.code);
    STRCMP_CONTAINS("fire-panel", table.out.c_str());
    STRCMP_CONTAINS("online", table.out.c_str());
    auto one = parse(site->ctl({"devices", "lift-1", "--json"}));
    LONGS_EQUAL(1, one.size());
    auto none = site->ctl({"devices", "no-such-device"});
    LONGS_EQUAL(1, none.code);
    STRCMP_CONTAINS("no device \"no-such-device\"", none.err.c_str());
}

TEST(CtlSite, EventsListTheFloodWarningAsRecentAndActive) {
    // water_depth 12.3 cm is above the 10 cm warning level of flood-1.
    CHECK_TEXT(eventually([&] {
                   auto j = parse(site->ctl({"events", "--active", "--json"}));
                   return find_by(j, "detector", "flood-1") != nullptr;
               }),
               site->daemon_log().c_str());
    auto recent = site->ctl({"events"});
    LONGS_EQUAL(0, recent.code);
    STRCMP_CONTAINS("flood-1", recent.out.c_str());
    auto active = site->ctl({"events", "--active"});
    STRCMP_CONTAINS("flood-1", active.out.c_str());
}

// A technician on site acknowledges the flood warning as the center would;
// a second ack sends nothing, an unknown id is refused.
TEST(CtlSite, AckAcknowledgesAnIncidentOnSite) {
    std::string incident;
    CHECK_TEXT(eventually([&] {
                   auto j = parse(site->ctl({"events", "--active", "--json"}));
                   const json* e = find_by(j, "detector", "flood-1");
                   if (e) incident = e->value("incident", std::string());
                   return e != nullptr;
               }),
               site->daemon_log().c_str());
    auto first = site->ctl({"ack", incident, "--by", "tech-7", "--note", "pump started"});
    LONGS_EQUAL_TEXT(0, first.code, first.err.c_str());
    STRCMP_CONTAINS(("incident " + incident + " acknowledged by tech-7").c_str(),
                    first.out.c_str());
    auto again = parse(site->ctl({"ack", incident, "--by", "tech-7", "--json"}));
    CHECK(again["already"].get<bool>());
    auto unknown = site->ctl({"ack", "no-such-incident", "--by", "tech-7"});
    LONGS_EQUAL(1, unknown.code);
    STRCMP_CONTAINS("no open incident", unknown.err.c_str());
}

TEST(CtlSite, MqttTestReportsTheTimeToPuback) {
    auto r = site->ctl({"mqtt", "test"});
    LONGS_EQUAL_TEXT(0, r.code, (r.out + r.err).c_str());
    STRCMP_CONTAINS("acknowledged by tcp://127.0.0.1:", r.out.c_str());
    auto j = parse(site->ctl({"mqtt", "test", "--json"}));
    CHECK(j["acked"].get<bool>());
    CHECK(j["puback_ms"].get<long>() >= 0);
    // A test event is a one-shot report: never an active alarm in status.
    auto status = parse(site->ctl({"status", "--json"}));
    for (const auto& e : status["active"])
        CHECK_TEXT(e.value("type", "") != "mqtt_test", e.dump().c_str());
}

TEST(CtlSite, SelftestPassesOnAHealthySite) {
    RunResult r;
    CHECK_TEXT(eventually([&] { return (r = site->ctl({"selftest"})).code == 0; }, 20000),
               (r.out + r.err + site->daemon_log()).c_str());
    STRCMP_CONTAINS("device flood-gauge", r.out.c_str());
    STRCMP_CONTAINS("camera cam-1", r.out.c_str());
    STRCMP_CONTAINS("test event acked", r.out.c_str());
    STRCMP_CONTAINS("selftest passed", r.out.c_str());
    CHECK(r.out.find("FAIL") == std::string::npos);
}

TEST(CtlSite, SnapshotWritesAJpegAndNamesAnUnknownCamera) {
    const std::string out = site->dir().file("snap.jpg");
    RunResult r;
    CHECK_TEXT(
        eventually([&] {
            return (r = site->ctl({"snapshot", "--camera", "cam-1", "--out", out})).code == 0;
        }),
        (r.err + site->daemon_log()).c_str());
    std::string jpeg = gw::test::read_file(out);
    CHECK(jpeg.size() > 100);
    CHECK(static_cast<unsigned char>(jpeg[0]) == 0xFF &&
          static_cast<unsigned char>(jpeg[1]) == 0xD8);
    auto bad = site->ctl({"snapshot", "--camera", "cam-9", "--out", out});
    LONGS_EQUAL(1, bad.code);
    STRCMP_CONTAINS("no camera \"cam-9\" (cameras: cam-1)", bad.err.c_str());
}

// A reload rebuilds the daemon, its socket and its sample ring: the
// recording waits for it and goes on (it used to end: "not running").
TEST(CtlSite, RecordGoesOnAcrossAReload) {
    CHECK(eventually([&] {
        return parse(site->ctl({"points", "--json"}))[0]["samples"].get<long>() > 0;
    }));
    const uint64_t ring = sample_ring(site->socket());
    CHECK(ring > 0);
    LONGS_EQUAL(ring, sample_ring(site->socket()));
    const std::string out = site->dir().file("across.csv");
    gw::test::Process rec(
        {GW_GATEWAYCTL, "record", "-c", site->config(), "--out", out, "--for", "10s"},
        site->dir().path(), "record");
    CHECK(rec.wait_for_output("recording to", 10000));
    std::this_thread::sleep_for(std::chrono::seconds(2));  // samples before it
    site->reload_daemon();
    const int64_t reloaded_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    auto code = rec.wait(40000);
    CHECK_TEXT(code.has_value(), rec.err().c_str());
    LONGS_EQUAL_TEXT(0, *code, rec.err().c_str());
    int before = 0, after = 0;
    for (const auto& s : read_trace(out)) ++(s.t_ms > reloaded_ms ? after : before);
    CHECK_TEXT(before > 0, rec.err().c_str());
    CHECK_TEXT(after > 0, rec.err().c_str());
    // A new ring: its cursors count from 1 again, and record read it from there.
    const uint64_t rebuilt = sample_ring(site->socket());
    CHECK(rebuilt > 0);
    CHECK(rebuilt != ring);
}

// record reads the config once: a technician editing it while recording
// (to tune, then replay) ended the recording at the first half-saved file.
TEST(CtlSite, RecordGoesOnWhileTheConfigIsEdited) {
    CHECK(eventually([&] {
        return parse(site->ctl({"points", "--json"}))[0]["samples"].get<long>() > 0;
    }));
    const std::string config = site->config();
    const std::string kept = gw::test::read_file(config);
    const std::string out = site->dir().file("edited.csv");
    gw::test::Process rec({GW_GATEWAYCTL, "record", "-c", config, "--out", out, "--for", "4s"},
                          site->dir().path(), "record-edit");
    CHECK(rec.wait_for_output("recording to", 10000));
    std::ofstream(config, std::ios::trunc) << "[uplink\nbroker = \n";  // half-way through an edit
    const int64_t edited_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
    auto code = rec.wait(30000);
    std::ofstream(config, std::ios::trunc) << kept;
    CHECK_TEXT(code.has_value(), rec.err().c_str());
    LONGS_EQUAL_TEXT(0, *code, rec.err().c_str());
    int after = 0;
    for (const auto& s : read_trace(out)) after += s.t_ms > edited_ms + 500;
    CHECK_TEXT(after > 0, rec.err().c_str());
}

TEST(CtlSite, RecordWritesATraceThatReplayReads) {
    CHECK(eventually([&] {
        return parse(site->ctl({"points", "--json"}))[0]["samples"].get<long>() > 0;
    }));
    const std::string out = site->dir().file("trace.csv");
    auto r = site->ctl({"record", "--out", out, "--for", "1500ms"});
    LONGS_EQUAL_TEXT(0, r.code, r.err.c_str());
    const auto trace = read_trace(out);
    int depth = 0;
    for (const auto& s : trace) {
        if (s.point != "water_depth") continue;
        ++depth;
        DOUBLES_EQUAL(12.3, s.value, 1e-9);
    }
    CHECK(depth > 0);
    STRCMP_CONTAINS(("recorded " + std::to_string(trace.size()) + " samples").c_str(),
                    r.err.c_str());
    // The replay command reads it too.
    auto replay =
        gw::test::run({GW_GATEWAYCTL, "replay", "--config", site->config(), "--trace", out});
    LONGS_EQUAL_TEXT(0, replay.code, replay.err.c_str());
}

TEST(CtlSite, ModbusRefusesABusTheDaemonPollsAndReadsAndScansOnceItIsStopped) {
    auto refused = site->ctl({"modbus", "read", "--device", "flood-gauge"});
    LONGS_EQUAL(1, refused.code);
    STRCMP_CONTAINS("gatewayd is polling tcp:127.0.0.1:", refused.err.c_str());
    auto unknown = site->ctl({"modbus", "read", "--device", "pump"});
    LONGS_EQUAL(2, unknown.code);
    STRCMP_CONTAINS("no Modbus device \"pump\"", unknown.err.c_str());
    STRCMP_CONTAINS("flood-gauge, fire-panel, lift-1", unknown.err.c_str());

    site->stop_daemon();
    auto read = site->ctl({"modbus", "read", "--device", "flood-gauge"});
    LONGS_EQUAL_TEXT(0, read.code, read.err.c_str());
    STRCMP_CONTAINS("gatewayd is not running: opening", read.err.c_str());
    STRCMP_CONTAINS("water_depth", read.out.c_str());
    STRCMP_CONTAINS("12.3", read.out.c_str());
    auto raw = parse(site->ctl(
        {"modbus", "read", "--device", "fire-panel", "--address", "0", "--count", "2", "--json"}));
    LONGS_EQUAL(215, raw[0]["value"].get<long>());
    LONGS_EQUAL(3, raw[1]["value"].get<long>());
    auto scan = parse(site->ctl({"modbus", "scan", "--device", "lift-1", "--first", "1", "--last",
                                 "5", "--timeout-ms", "100", "--json"}));
    std::vector<long> found;
    for (const auto& s : scan) found.push_back(s["slave"].get<long>());
    CHECK_TEXT((found == std::vector<long>{1, 2, 3}), scan.dump().c_str());
}
