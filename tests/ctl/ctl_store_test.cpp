// gatewayctl with the broker down: the store holds everything, the mqtt test
// and the selftest fail with a clear reason, and export writes what waits.
#include <unistd.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "control/control_client.hpp"
#include "ctl_fixture.hpp"

#include <CppUTest/TestHarness.h>

using gw::test::Site;
using nlohmann::json;

TEST_GROUP(CtlBrokerDown) {
    std::unique_ptr<Site> site;
    void setup() override {
        site = std::make_unique<Site>(gw::test::SiteOptions{false});
        site->start_daemon();
    }
    void teardown() override {
        site.reset();
    }
};

TEST(CtlBrokerDown, MqttTestSelftestStoreStatsAndExport) {
    auto test = site->ctl({"mqtt", "test", "--timeout-ms", "300"});
    LONGS_EQUAL(1, test.code);
    STRCMP_CONTAINS("no PUBACK", test.out.c_str());
    STRCMP_CONTAINS("stays in the store", test.out.c_str());

    auto self = site->ctl({"selftest", "--timeout-ms", "300"});
    LONGS_EQUAL(1, self.code);
    STRCMP_CONTAINS("FAIL", self.out.c_str());
    STRCMP_CONTAINS("selftest failed", self.out.c_str());
    auto checks = json::parse(site->ctl({"selftest", "--timeout-ms", "300", "--json"}).out);
    bool broker_failed = false;
    for (const auto& c : checks["checks"])
        if (c["name"] == "broker") broker_failed = !c["passed"].get<bool>();
    CHECK(broker_failed);

    auto id = site->ctl({"inject", "-t", "export-me", "--severity", "alarm"});
    LONGS_EQUAL(0, id.code);
    auto stats = json::parse(site->ctl({"store", "stats", "--json"}).out);
    CHECK(stats["alarm"]["rows"].get<long>() >= 4);  // 3 test events + the injected one
    CHECK(stats["alarm"]["oldest_unsent_age_ms"].is_number());
    auto table = site->ctl({"store", "stats"});
    LONGS_EQUAL(0, table.code);
    STRCMP_CONTAINS("telemetry", table.out.c_str());
    // The evidence lane (camera images) is shown and exported too: it was
    // left out of stats, status and export, so unsent images were invisible.
    CHECK(stats["evidence"]["rows"].is_number());
    CHECK(stats["evidence_max_bytes"].get<long>() > 0);
    STRCMP_CONTAINS("evidence", table.out.c_str());
    STRCMP_CONTAINS("store evidence", site->ctl({"status"}).out.c_str());
    auto images = site->ctl(
        {"store", "export", "--out", site->dir().file("evidence.jsonl"), "--lane", "evidence"});
    LONGS_EQUAL_TEXT(0, images.code, images.err.c_str());

    const std::string out = site->dir().file("store.jsonl");
    auto exp = site->ctl({"store", "export", "--out", out, "--lane", "alarm"});
    LONGS_EQUAL_TEXT(0, exp.code, exp.err.c_str());
    std::ifstream in(out);
    std::string line;
    long lines = 0;
    bool found = false;
    while (std::getline(in, line)) {
        json r = json::parse(line);
        ++lines;
        found = found ||
                r["payload"].dump().find(id.out.substr(0, id.out.size() - 1)) != std::string::npos;
    }
    CHECK(lines >= stats["alarm"]["rows"].get<long>());  // the daemon may add events meanwhile
    CHECK(found);
    STRCMP_CONTAINS(("exported " + std::to_string(lines) + " rows").c_str(), exp.err.c_str());
    auto bad = site->ctl({"store", "export", "--out", "/nonexistent-dir/x.jsonl"});
    LONGS_EQUAL(1, bad.code);
    STRCMP_CONTAINS("cannot write /nonexistent-dir/x.jsonl", bad.err.c_str());
    // Written aside and renamed when whole: no part file stays behind.
    CHECK(::access((out + ".part").c_str(), F_OK) != 0);
    // The store's own files are not export targets: written over, the
    // store (run by a root technician) was gone.
    const std::string store_path = stats["path"].get<std::string>();
    const std::string boot_count = store_path.substr(0, store_path.rfind('/')) + "/boot.count";
    for (const std::string& onto : {store_path, store_path + "-wal", store_path + ".lock",
                                    store_path + "-reserve", boot_count}) {
        auto refused = site->ctl({"store", "export", "--out", onto});
        LONGS_EQUAL_TEXT(2, refused.code, refused.err.c_str());
        STRCMP_CONTAINS("is one of the store's own files", refused.err.c_str());
        // Nor are they snapshot or record targets (they were truncated).
        for (const std::vector<std::string>& saving :
             {std::vector<std::string>{"snapshot", "--camera", "cam-1", "--out", onto},
              std::vector<std::string>{"record", "--for", "1s", "--out", onto}}) {
            auto r = site->ctl(saving);
            LONGS_EQUAL_TEXT(2, r.code, r.err.c_str());
            STRCMP_CONTAINS("is one of the store's own files", r.err.c_str());
        }
    }
    // Beside them, a file of its own is no store file.
    auto beside = site->ctl({"store", "export", "--out", store_path + "-export.jsonl"});
    LONGS_EQUAL_TEXT(0, beside.code, beside.err.c_str());
    auto after = json::parse(site->ctl({"store", "stats", "--json"}).out);
    CHECK(after["alarm"]["rows"].get<long>() >= stats["alarm"]["rows"].get<long>());
}

// Pages of export end at a few MiB of payload: 500 rows of images made a
// reply of ~100 MB, over what gatewayctl accepts (16 MiB), so a lane with
// big rows could not be exported at all.
TEST(CtlBrokerDown, ALaneOfBigRowsIsExportedInPagesTheClientAccepts) {
    gw::ControlClient client(site->socket());
    const std::string big(60000, 'x');
    for (int i = 0; i < 320; ++i) {
        auto r = client.call({{"cmd", "inject"}, {"type", "big"}, {"message", big}});
        CHECK_TEXT(r.ok() && (*r)["ok"].get<bool>(), r.ok() ? r->dump().c_str() : "no reply");
    }
    auto page = client.call({{"cmd", "store_export"}, {"lane", "alarm"}, {"limit", 1000}});
    CHECK_TEXT(page.ok(), "no reply to store_export");
    CHECK((*page)["records"].size() < 320);
    CHECK_FALSE((*page)["done"].get<bool>());
    const std::string out = site->dir().file("big.jsonl");
    auto exp = site->ctl({"store", "export", "--out", out, "--lane", "alarm"});
    LONGS_EQUAL_TEXT(0, exp.code, exp.err.c_str());
    std::ifstream in(out);
    std::string line;
    long bigs = 0;
    while (std::getline(in, line)) bigs += line.find(big) != std::string::npos;
    LONGS_EQUAL(320, bigs);
}

// The daemon's shutdown does not wait for an mqtt test that waits for a
// PUBACK that cannot come: the test is cancelled and says so.
TEST(CtlBrokerDown, AShutdownDoesNotWaitForAnMqttTest) {
    gw::test::Process test(
        {GW_GATEWAYCTL, "mqtt", "test", "--timeout-ms", "60000", "-c", site->config()},
        site->dir().path(), "mqtt-test");
    // Its test event is durable: the daemon now waits for the PUBACK.
    const std::string out = site->dir().file("alarms.jsonl");
    CHECK(gw::test::eventually(
        [&] {
            site->ctl({"store", "export", "--out", out, "--lane", "alarm"});
            return gw::test::read_file(out).find("\"type\":\"mqtt_test\"") != std::string::npos;
        },
        60000));
    // Well before the test's 60 s are over.
    auto code = site->stop_daemon(30000);
    CHECK_TEXT(code.has_value(), "gatewayd did not stop while an mqtt test was waiting");
    LONGS_EQUAL(0, *code);
    auto rc = test.wait(30000);
    CHECK(rc.has_value());
    LONGS_EQUAL_TEXT(1, *rc, test.err().c_str());
    STRCMP_CONTAINS("gatewayd is stopping", test.err().c_str());
}
