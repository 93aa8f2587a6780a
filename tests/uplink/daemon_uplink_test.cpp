// gatewayd as a process against a real mosquitto: kill -9 at random moments
// loses no acknowledged event; a corrupt store is recovered and reported; ids
// never repeat whatever happens to the store file; the data folder and store
// files are not readable by others; a world-readable credentials file stops
// the start with a clear message.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/control_client.hpp"
#include "daemon_toml.hpp"
#include "store/fixture.hpp"
#include "support/mosquitto.hpp"
#include "support/process.hpp"
#include "support/subscriber.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw::test;

namespace {

bool contains_id(const std::vector<Received>& msgs, const std::string& id) {
    for (const auto& m : msgs)
        if (m.payload.find("\"id\":\"" + id + "\"") != std::string::npos) return true;
    return false;
}

std::vector<std::string> files_starting(const std::string& dir, const std::string& prefix) {
    std::vector<std::string> out;
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d))
            if (std::string(e->d_name).rfind(prefix, 0) == 0) out.push_back(dir + "/" + e->d_name);
        closedir(d);
    }
    return out;
}

}  // namespace

TEST_GROUP(DaemonUplink) {
    TempDir dir;
};

TEST(DaemonUplink, KillNineAtRandomMomentsLosesNoAcknowledgedEvent) {
    Mosquitto broker(dir.path(), "broker");
    broker.start();
    Subscriber sub(broker.uri(), "center-kill", "city/#");
    CHECK(sub.ready(10000));
    const std::string cfg = dir.write("gw.toml", daemon_toml(dir, broker.uri()));
    const std::string sock = dir.path() + "/data/ctl.sock";
    std::mt19937 rng(12345);
    std::vector<std::string> acked;
    std::mutex acked_mutex;
    for (int round = 0; round < 20; ++round) {
        Process gw({GW_GATEWAYD, "-c", cfg}, dir.path(), "gatewayd-" + std::to_string(round));
        CHECK_TEXT(gw.wait_for_output("msg=ready", 20000), gw.err().c_str());
        std::atomic<bool> done{false};
        std::thread injector([&] {
            for (int i = 0; !done; ++i) {
                auto r =
                    gw::ControlClient(sock, 2000)
                        .call({{"cmd", "inject"}, {"type", "kill-test"}, {"severity", "alarm"}});
                if (!r) return;  // daemon gone: unacknowledged, may be lost
                std::lock_guard<std::mutex> lock(acked_mutex);
                acked.push_back((*r)["id"].get<std::string>());
            }
        });
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 300)(rng)));
        gw.signal(SIGKILL);
        gw.wait(5000);
        done = true;
        injector.join();
    }
    CHECK(acked.size() >= 20);
    UT_PRINT(
        ("acknowledged injects over 20 kill -9 rounds: " + std::to_string(acked.size())).c_str());
    // One more start drains whatever the killed ones left in the store.
    Process gw({GW_GATEWAYD, "-c", cfg}, dir.path(), "gatewayd-final");
    CHECK(sub.wait_until(
        [&](auto& m) {
            for (const auto& id : acked)
                if (!contains_id(m, id)) return false;
            return true;
        },
        60000));
    // Every id names its boot: 21 starts, 21 distinct boots, ids never reused.
    CHECK(contains_id(sub.messages(), acked.front()));
}

TEST(DaemonUplink, CorruptStoreIsKeptAsideRecoveredAndReported) {
    Mosquitto broker(dir.path(), "broker");
    broker.start();
    Subscriber sub(broker.uri(), "center-corrupt", "city/#");
    CHECK(sub.ready(10000));
    mkdir((dir.path() + "/data").c_str(), 0750);
    const std::string garbage(10000, '\x5a');
    dir.write("data/store.db", garbage);
    const std::string cfg = dir.write("gw.toml", daemon_toml(dir, broker.uri()));
    Process gw({GW_GATEWAYD, "-c", cfg}, dir.path(), "gatewayd");
    CHECK(sub.wait_until(
        [](auto& m) {
            for (auto& r : m)
                if (r.payload.find("\"type\":\"store_recovered\"") != std::string::npos)
                    return true;
            return false;
        },
        20000));
    auto kept = files_starting(dir.path() + "/data", "store.db.corrupt-");
    CHECK(!kept.empty());
    CHECK(garbage == read_file(kept.front()));
    STRCMP_CONTAINS("damaged database moved aside", gw.err().c_str());
}

// A page of the store damaged while gatewayd runs (after the check at
// open), under events not yet sent: the lane waited for the salvage at a
// restart nobody made, and the events behind the damage, alarms too, with
// it. The read that meets the damage has the store checked; the check
// finds it, and gatewayd rebuilds its parts in the same process, whose open
// of the store salvages the file: what is behind the damage is delivered.
TEST(DaemonUplink, AStoreDamagedWhileRunningIsSalvagedWithoutARestart) {
    BrokerOptions bo;
    bo.persistence = true;  // the center's session outlives the outage
    Mosquitto broker(dir.path(), "broker", bo);
    broker.start();
    Subscriber sub(broker.uri(), "center-damage", "city/#");
    CHECK(sub.ready(10000));
    broker.stop(SIGTERM);  // the events wait in the store
    const std::string cfg = dir.write("gw.toml", daemon_toml(dir, broker.uri()));
    const std::string sock = dir.path() + "/data/ctl.sock";
    Process gw({GW_GATEWAYD, "-c", cfg}, dir.path(), "gatewayd");
    CHECK_TEXT(gw.wait_for_output("msg=ready", 20000), gw.err().c_str());
    std::vector<std::string> ids;
    for (int i = 0; i < 120; ++i) {
        auto r = gw::ControlClient(sock, 5000)
                     .call({{"cmd", "inject"},
                            {"type", "damage-test"},
                            {"message", "event " + std::to_string(i) + std::string(300, '.')}});
        CHECK_TEXT(r.ok() && (*r)["ok"] == true, r.ok() ? r->dump().c_str() : r.error().c_str());
        ids.push_back((*r)["id"].get<std::string>());
    }
    // Damaged in the file once the writer, idle, has folded the WAL into it.
    const std::string db = dir.path() + "/data/store.db";
    struct stat wal {};
    auto folded = [&] { return ::stat((db + "-wal").c_str(), &wal) == 0 && wal.st_size == 0; };
    for (int i = 0; i < 600 && !folded(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(folded());
    const auto leaves = pages_of(db, "alarm", "leaf");
    CHECK(leaves.size() >= 3);
    damage_page(db, leaves[1].first);

    broker.start();
    CHECK_TEXT(sub.wait_until(
                   [&](auto& m) {
                       return contains_id(m, ids.back()) &&
                              !events_of_type(m, "store_recovered").empty();
                   },
                   60000),
               gw.err().c_str());
    CHECK(gw.running());
    STRCMP_CONTAINS("rebuilding the gateway's parts to salvage it", gw.err().c_str());
    CHECK(!files_starting(dir.path() + "/data", "store.db.corrupt-").empty());
    // Those on the damaged page are lost, and counted; the others arrive.
    const auto recovered = events_of_type(sub.messages(), "store_recovered");
    const auto& lost = recovered.front()["details"]["lost"]["alarm"];
    CHECK_TEXT(lost.is_number_integer() && lost.get<int64_t>() > 0, lost.dump().c_str());
    int64_t arrived = 0;
    for (const auto& id : ids) arrived += contains_id(sub.messages(), id);
    CHECK(arrived < static_cast<int64_t>(ids.size()));
    CHECK(arrived + lost.get<int64_t>() >= static_cast<int64_t>(ids.size()));
}

TEST(DaemonUplink, SigtermWhileConnectedStopsInTimeAndSaysOffline) {
    Mosquitto broker(dir.path(), "broker");
    broker.start();
    Subscriber sub(broker.uri(), "center-term", "city/+/+/status");
    CHECK(sub.ready(10000));
    const std::string cfg = dir.write("gw.toml", daemon_toml(dir, broker.uri()));
    Process gw({GW_GATEWAYD, "-c", cfg}, dir.path(), "gatewayd");
    CHECK(sub.wait_until(
        [](auto& m) {
            return !m.empty() && m.back().payload.find("\"online\":true") != std::string::npos;
        },
        20000));
    gw.signal(SIGTERM);
    auto code = gw.wait(2000);
    CHECK_TEXT(code.has_value(), "gatewayd did not stop within 2 s");
    LONGS_EQUAL(0, *code);
    CHECK(sub.wait_until(
        [](auto& m) { return m.back().payload.find("\"online\":false") != std::string::npos; },
        10000));
}

TEST(DaemonUplink, WorldReadableCredentialsFileIsRefusedClearly) {
    const std::string creds = dir.write("mqtt.credentials", "gateway\nsecret\n");
    chmod(creds.c_str(), 0644);
    const std::string cfg = dir.write(
        "gw.toml", daemon_toml(dir, "tcp://127.0.0.1:1", "credentials_file = \"" + creds + "\"\n"));
    auto r = gw::test::run({GW_GATEWAYD, "-c", cfg}, 20000);
    // A config error (exit 2): the service does not restart over it.
    LONGS_EQUAL(2, r.code);
    STRCMP_CONTAINS("uplink.credentials_file: ", r.err.c_str());
    STRCMP_CONTAINS("is world-readable (mode 0644): refusing to use it", r.err.c_str());
}

TEST(DaemonUplink, ControlSocketAnswersStatusAndSurvivesGarbage) {
    const std::string cfg = dir.write("gw.toml", daemon_toml(dir, "tcp://127.0.0.1:1"));
    Process gw({GW_GATEWAYD, "-c", cfg}, dir.path(), "gatewayd");
    CHECK(gw.wait_for_output("msg=ready", 20000));
    const std::string sock = dir.path() + "/data/ctl.sock";
    struct stat st {};
    CHECK(stat(sock.c_str(), &st) == 0);
    LONGS_EQUAL(0660, st.st_mode & 0777);
    gw::ControlClient client(sock);
    auto bad = client.call({{"cmd", "frobnicate"}});
    CHECK_FALSE(bad.ok());
    STRCMP_CONTAINS("unknown command", bad.error().c_str());
    auto bad_sev = client.call({{"cmd", "inject"}, {"severity", "apocalyptic"}});
    CHECK_FALSE(bad_sev.ok());
    auto inj = client.call({{"cmd", "inject"}, {"type", "t"}, {"severity", "warning"}});
    CHECK((*inj)["ok"].get<bool>());
    STRCMP_CONTAINS("gw1-", (*inj)["id"].get<std::string>().c_str());
    auto s = client.call({{"cmd", "status"}});
    CHECK(s.ok());
    auto j = *s;
    CHECK(j["ok"].get<bool>());
    CHECK_FALSE(j["broker"]["connected"].get<bool>());
    CHECK_EQUAL("tcp://127.0.0.1:1", j["broker"]["uri"].get<std::string>());
    CHECK_EQUAL(1, j["store"]["alarm"]["rows"].get<long>());
    CHECK(j["store"]["alarm"]["oldest_unsent_age_ms"].is_number());
    CHECK(j["boot"].get<long>() >= 1);
    // An oversized request is refused, and the daemon carries on.
    auto huge = client.call({{"cmd", "inject"}, {"message", std::string(100000, 'x')}});
    CHECK_FALSE(huge.ok());
    STRCMP_CONTAINS("longer than", huge.error().c_str());
    // gatewayctl speaks the same protocol.
    auto ctl = gw::test::run(
        {GW_GATEWAYCTL, "inject", "-c", cfg, "-t", "from-ctl", "--severity", "alarm"});
    LONGS_EQUAL(0, ctl.code);
    STRCMP_CONTAINS("gw1-", ctl.out.c_str());
    // What was injected shows in `gatewayctl events` like a detector's event.
    auto events = gw::test::run({GW_GATEWAYCTL, "events", "--json", "-s", sock});
    LONGS_EQUAL(0, events.code);
    STRCMP_CONTAINS("from-ctl", events.out.c_str());
    // A mistyped field or an update of no open incident is refused, not
    // sent to the center.
    auto typed = client.call({{"cmd", "inject"}, {"value", "x"}});
    CHECK_FALSE(typed.ok());
    STRCMP_EQUAL("value must be a number", typed.error().c_str());
    auto stray = client.call({{"cmd", "inject"}, {"state", "clear"}, {"incident", "nope"}});
    CHECK_FALSE(stray.ok());
    STRCMP_CONTAINS("no open incident nope", stray.error().c_str());
    // A second daemon on the same config is refused, and leaves the first
    // one's socket alone.
    auto second = gw::test::run({GW_GATEWAYD, "-c", cfg});
    LONGS_EQUAL(1, second.code);
    STRCMP_CONTAINS(("another gatewayd (pid " + std::to_string(gw.pid()) + ")").c_str(),
                    second.err.c_str());
    CHECK(client.call({{"cmd", "status"}}).ok());
    auto ctl_status = gw::test::run({GW_GATEWAYCTL, "status", "--json", "-s", sock});
    LONGS_EQUAL(0, ctl_status.code);
    STRCMP_CONTAINS("\"alarm\"", ctl_status.out.c_str());
    LONGS_EQUAL(3, gw::test::run({GW_GATEWAYCTL, "status", "-s", dir.file("none.sock")}).code);
    CHECK(gw.running());
}

namespace {

std::string inject(const std::string& sock) {
    auto r = gw::ControlClient(sock, 5000)
                 .call({{"cmd", "inject"}, {"type", "id-test"}, {"severity", "alarm"}});
    CHECK_TEXT(r.ok(), r.ok() ? "" : r.error().c_str());
    return r.ok() ? (*r)["id"].get<std::string>() : std::string();
}

}  // namespace

// A gateway moved and re-provisioned (new site and gateway id) with events
// still unsent: they go out on its new topics, the only ones the broker's
// ACL lets its new identity publish on, and each keeps the site, gateway and
// id it was made with, so the center files it where it happened. The old
// site's open incident is closed, under the old site too.
TEST(DaemonUplink, EventsStoredBeforeAReprovisionKeepTheIdentityTheyWereMadeWith) {
    Mosquitto broker(dir.path(), "broker");
    const std::string sock = dir.path() + "/data/ctl.sock";
    std::string old_id;
    {
        const std::string cfg = dir.write("gw.toml", daemon_toml(dir, broker.uri()));
        Process gw({GW_GATEWAYD, "-c", cfg}, dir.path(), "gatewayd-s1");
        CHECK(gw.wait_for_output("msg=ready", 20000));
        old_id = inject(sock);
        gw.signal(SIGTERM);
        CHECK(gw.wait(10000).has_value());
    }
    broker.start();
    Subscriber sub(broker.uri(), "center-moved", "city/#");
    CHECK(sub.ready(10000));
    std::string moved = daemon_toml(dir, broker.uri());
    moved.replace(moved.find("site = \"s1\""), 11, "site = \"s2\"");
    moved.replace(moved.find("id = \"gw1\""), 10, "id = \"gw2\"");
    const std::string cfg = dir.write("gw.toml", moved);
    Process gw({GW_GATEWAYD, "-c", cfg}, dir.path(), "gatewayd-s2");
    CHECK(gw.wait_for_output("msg=ready", 20000));
    const std::string new_id = inject(sock);
    STRCMP_CONTAINS("gw2-", new_id.c_str());
    CHECK(sub.wait_until([&](auto& m) { return contains_id(m, old_id) && contains_id(m, new_id); },
                         20000));
    // The alarm's incident is about the old site: closed, under it.
    CHECK(sub.wait_until([](auto& m) { return has_event(m, "id-test", "clear"); }, 20000));
    for (const auto& m : sub.messages()) {
        if (!ends_with(m.topic, "/event")) continue;
        STRCMP_EQUAL("city/s2/gw2/event", m.topic.c_str());
        const auto e = nlohmann::json::parse(m.payload);
        const bool old = e["incident"] == old_id;
        if (e["state"] == "clear") CHECK(old);
        STRCMP_EQUAL(old ? "s1" : "s2", e["site"].get<std::string>().c_str());
        STRCMP_EQUAL(old ? "gw1" : "gw2", e["gateway"].get<std::string>().c_str());
    }
}

TEST(DaemonUplink, EventIdsNeverRepeatWhenTheStoreIsReplacedDeletedOrEmptied) {
    Mosquitto broker(dir.path(), "broker");
    broker.start();
    Subscriber sub(broker.uri(), "center-ids", "city/+/+/event");
    CHECK(sub.ready(10000));
    const std::string cfg = dir.write("gw.toml", daemon_toml(dir, broker.uri()));
    const std::string sock = dir.path() + "/data/ctl.sock";
    const std::string db = dir.path() + "/data/store.db";
    // One life of the daemon: three events reach the center, then a clean stop.
    auto life = [&](const std::string& name) {
        Process gw({GW_GATEWAYD, "-c", cfg}, dir.path(), name);
        CHECK_TEXT(gw.wait_for_output("msg=ready", 20000), gw.err().c_str());
        std::vector<std::string> ids;
        for (int i = 0; i < 3; ++i) ids.push_back(inject(sock));
        CHECK(sub.wait_until(
            [&](auto& m) {
                for (const auto& id : ids)
                    if (!contains_id(m, id)) return false;
                return true;
            },
            20000));
        gw.signal(SIGTERM);
        CHECK(gw.wait(10000).has_value());
    };
    life("gatewayd-first");
    dir.write("data/store.db", std::string(10000, '\x5a'));  // replaced by junk
    life("gatewayd-replaced");
    CHECK(unlink(db.c_str()) == 0);
    life("gatewayd-deleted");
    CHECK(truncate(db.c_str(), 0) == 0);
    life("gatewayd-emptied");

    // Delivery is at least once, so an id may arrive twice, but always as the
    // same event: no id ever names two events.
    std::map<std::string, std::set<std::string>> by_id;
    std::vector<std::string> recovered;
    for (const auto& m : sub.messages()) {
        auto j = nlohmann::json::parse(m.payload);
        by_id[j["id"].get<std::string>()].insert(m.payload);
        if (j["type"] == "store_recovered") recovered.push_back(j["details"]["reason"]);
    }
    CHECK(by_id.size() >= 12 + 3);
    for (const auto& [id, payloads] : by_id) CHECK_TEXT(payloads.size() == 1, id.c_str());
    LONGS_EQUAL(3, recovered.size());
    STRCMP_CONTAINS("not a database", recovered[0].c_str());
    STRCMP_EQUAL("store file is missing", recovered[1].c_str());
    STRCMP_EQUAL("store file is empty (0 bytes)", recovered[2].c_str());
}

TEST(DaemonUplink, DataFolderAndStoreFilesAreClosedToOthersWhateverTheUmask) {
    const mode_t old = umask(0);
    const std::string cfg = dir.write("gw.toml", daemon_toml(dir, "tcp://127.0.0.1:1"));
    Process gw({GW_GATEWAYD, "-c", cfg}, dir.path(), "gatewayd");
    umask(old);
    CHECK_TEXT(gw.wait_for_output("msg=ready", 20000), gw.err().c_str());
    inject(dir.path() + "/data/ctl.sock");
    auto mode = [](const std::string& path) {
        struct stat st {};
        CHECK_TEXT(stat(path.c_str(), &st) == 0, path.c_str());
        return static_cast<long>(st.st_mode & 07777);
    };
    const std::string data = dir.path() + "/data";
    LONGS_EQUAL(0750, mode(data));
    for (const char* f : {"store.db", "store.db-wal", "store.db-shm", "boot.count"})
        LONGS_EQUAL(0640, mode(data + "/" + f));
}
