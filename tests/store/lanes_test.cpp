// Lanes and routes: evidence in its own lane with its own cap, rows keep
// their route, a store file of schema 1 is migrated with its unsent rows,
// files are 0640 whatever the umask, and [store] evidence_max_mb is read.
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "config/loader.hpp"
#include "contract/contract.hpp"
#include "contract/routes.hpp"
#include "fixture.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw;
using namespace gw::test;

TEST_GROUP(StoreLanes) {
    StoreFixture f;
};

TEST(StoreLanes, RowsKeepTheirRouteAndLane) {
    auto s = f.open();
    CHECK(s->append(Lane::alarm, 1, "event", "{\"e\":1}").ok());
    CHECK(s->append(Lane::evidence, 2, "evidence/gw1-3-00000001", "{\"i\":1}").ok());
    CHECK(s->append(Lane::telemetry, 3, "telemetry", "{\"t\":1}").ok());
    auto ev = all_rows(*s, Lane::evidence);
    LONGS_EQUAL(1, ev.size());
    STRCMP_EQUAL("evidence/gw1-3-00000001", ev[0].topic.c_str());
    STRCMP_EQUAL("{\"i\":1}", ev[0].payload.c_str());
    CHECK(ev[0].lane == Lane::evidence);
    LONGS_EQUAL(1, all_rows(*s, Lane::alarm).size());
    LONGS_EQUAL(1, s->stats().evidence.rows);
}

TEST(StoreLanes, EvidenceCapEvictsOldestEvidenceOnlyAndReportsIt) {
    auto o = f.opts();
    o.evidence_max_bytes = 50000;  // ~8 images of 6 KB
    o.alarm_max_bytes = 100000;
    auto s = f.open(o);
    for (int i = 0; i < 10; ++i)
        CHECK(s->append(Lane::alarm, i, "event", json_payload("a", i)).ok());
    for (int i = 0; i < 30; ++i)
        CHECK(s->append(Lane::evidence, i, "evidence/e" + std::to_string(i),
                        json_payload("e", i, 6000))
                  .ok());
    auto ev = all_rows(*s, Lane::evidence);
    CHECK(s->stats().evidence.bytes <= o.evidence_max_bytes);
    CHECK(ev.size() >= 7 && ev.size() <= 8);
    STRCMP_EQUAL("evidence/e29", ev.back().topic.c_str());  // the newest stay
    LONGS_EQUAL(10, all_rows(*s, Lane::alarm).size());      // alarms untouched
    auto notices = s->take_notices();
    LONGS_EQUAL(1, notices.size());
    STRCMP_EQUAL("evidence_evicted", notices[0].type.c_str());
    LONGS_EQUAL(30 - static_cast<long>(ev.size()), notices[0].count);
    LONGS_EQUAL(notices[0].count, s->stats().evidence_evicted_rows);
    LONGS_EQUAL(0, s->stats().telemetry_evicted_rows);  // that counter is telemetry's
}

// An image larger than the whole evidence lane is refused, and the images
// there stay: making room for it evicted every one of them, and it was
// stored over the cap all the same.
TEST(StoreLanes, ARowLargerThanItsLaneIsRefusedAndEvictsNothing) {
    auto o = f.opts();
    o.evidence_max_bytes = 50000;
    auto s = f.open(o);
    for (int i = 0; i < 3; ++i)
        CHECK(s->append(Lane::evidence, i, "evidence/e" + std::to_string(i),
                        json_payload("e", i, 6000))
                  .ok());
    auto big = s->append(Lane::evidence, 3, "evidence/big", json_payload("e", 3, 60000));
    CHECK_FALSE(big.ok());
    STRCMP_CONTAINS("larger than its lane's cap", big.error().c_str());
    LONGS_EQUAL(3, all_rows(*s, Lane::evidence).size());
    LONGS_EQUAL(0, s->stats().evidence_evicted_rows);
}

TEST(StoreLanes, AFullDiskTakesEvidenceBeforeItRefusesAnAlarm) {
    auto o = f.opts();
    o.max_page_count = 60;
    auto s = f.open(o);
    int images = 0;
    for (int i = 0; i < 200; ++i)
        images += s->append(Lane::evidence, i, "evidence/e" + std::to_string(i),
                            json_payload("e", i, 3000))
                      .ok();
    LONGS_EQUAL(200, images);  // older images made room for newer ones
    CHECK(s->stats().evidence_evicted_rows > 0);
    gw::Status last;
    int alarms = 0;
    for (int i = 0; i < 1000 && last.ok(); ++i) {
        last = s->append(Lane::alarm, i, "event", json_payload("a", i, 1000));
        alarms += last.ok();
    }
    CHECK_FALSE(last.ok());
    LONGS_EQUAL(0, s->stats().evidence.rows);  // every image went before an alarm was refused
    LONGS_EQUAL(alarms, all_rows(*s, Lane::alarm).size());
    // Evidence cannot push an alarm out: at most it replaces older evidence.
    for (int i = 0; i < 5; ++i)
        (void)s->append(Lane::evidence, i, "evidence/late", json_payload("e", i, 3000));
    LONGS_EQUAL(alarms, s->stats().alarm.rows);
    LONGS_EQUAL(alarms, all_rows(*s, Lane::alarm).size());
}

TEST(StoreLanes, ASchema1FileIsMigratedWithItsUnsentRows) {
    const std::string evidence = contract::encode_evidence("gw1-4-00000001", "image/jpeg",
                                                           {1, 2, 3}, {"s1", "gw1"}, 1700000000000);
    {
        auto db = sqlite::Db::open(f.path());
        CHECK(db.ok());
        CHECK(db->exec("PRAGMA journal_mode=WAL;"
                       "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT "
                       "ROWID;"
                       "CREATE TABLE alarm(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                       " t_ms INTEGER NOT NULL, payload BLOB NOT NULL);"
                       "CREATE TABLE telemetry(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                       " t_ms INTEGER NOT NULL, payload BLOB NOT NULL);"
                       "INSERT INTO meta VALUES('boot', 4);")
                  .ok());
        auto ins = db->prepare("INSERT INTO alarm(t_ms, payload) VALUES(?, ?)");
        for (const std::string& p :
             {std::string("{\"id\":\"gw1-4-00000001\"}"), evidence,
              std::string("{\"id\":\"gw1-4-00000002\"}"), std::string("{\"evidence\": broken")}) {
            ins->bind(1, 1);
            ins->bind_blob(2, p);
            CHECK(ins->step() == SQLITE_DONE);
            ins->reset();
        }
        CHECK(db->exec("INSERT INTO telemetry(t_ms, payload) VALUES(2, CAST('{\"t\":1}' AS BLOB))")
                  .ok());
    }
    auto s = f.open();
    LONGS_EQUAL(5, s->boot());
    auto alarms = all_rows(*s, Lane::alarm);
    LONGS_EQUAL(3, alarms.size());
    STRCMP_CONTAINS("gw1-4-00000001", alarms[0].payload.c_str());
    STRCMP_CONTAINS("gw1-4-00000002", alarms[1].payload.c_str());
    STRCMP_EQUAL("{\"evidence\": broken", alarms[2].payload.c_str());  // not evidence: an event
    for (const auto& a : alarms) STRCMP_EQUAL("event", a.topic.c_str());
    auto ev = all_rows(*s, Lane::evidence);
    LONGS_EQUAL(1, ev.size());
    STRCMP_EQUAL("evidence/gw1-4-00000001", ev[0].topic.c_str());
    STRCMP_EQUAL(evidence.c_str(), ev[0].payload.c_str());
    auto tel = all_rows(*s, Lane::telemetry);
    LONGS_EQUAL(1, tel.size());
    STRCMP_EQUAL("telemetry", tel[0].topic.c_str());
    // New rows and acks work on the migrated tables, and a reopen changes nothing.
    CHECK(s->append(Lane::alarm, 3, "event", "{\"id\":\"gw1-5-00000001\"}").ok());
    s->ack(Lane::alarm, alarms[0].seq);
    s->flush();
    s.reset();
    s = f.open();
    LONGS_EQUAL(3, all_rows(*s, Lane::alarm).size());
    LONGS_EQUAL(1, all_rows(*s, Lane::evidence).size());
}

TEST(StoreLanes, AFileOfANewerSchemaIsRefusedAndLeftAlone) {
    {
        auto db = sqlite::Db::open(f.path());
        CHECK(db->exec("PRAGMA user_version = 9").ok());
    }
    auto s = Store::open(f.opts(), f.clock, f.log);
    CHECK_FALSE(s.ok());
    STRCMP_CONTAINS("newer gatewayd (schema 9", s.error().c_str());
    struct stat st {};
    CHECK(::stat(f.path().c_str(), &st) == 0);
}

TEST(StoreLanes, FilesAre0640WhateverTheUmask) {
    const mode_t old = ::umask(0);
    {
        auto s = f.open();
        CHECK(s->append(Lane::alarm, 1, "event", "{}").ok());
        LONGS_EQUAL(0640, mode_of(f.path()));
        LONGS_EQUAL(0640, mode_of(f.path() + "-wal"));
        LONGS_EQUAL(0640, mode_of(f.path() + "-shm"));
        LONGS_EQUAL(0640, mode_of(f.dir.file("boot.count")));
    }
    // A file an earlier version left at 0644 is tightened.
    CHECK(::chmod(f.path().c_str(), 0644) == 0);
    f.open();
    LONGS_EQUAL(0640, mode_of(f.path()));
    // So is a damaged file moved aside.
    f.dir.write("store.db", std::string(8192, 'Z'));
    CHECK(::chmod(f.path().c_str(), 0666) == 0);
    auto s = f.open();
    LONGS_EQUAL(0640, mode_of(s->recovery()->kept_as));
    ::umask(old);
}

TEST_GROUP(StoreConfig){};

TEST(StoreConfig, EvidenceCapIsReadAndChecked) {
    const std::string base =
        "[gateway]\ndistrict = \"d\"\nsite = \"s1\"\nid = \"gw1\"\ndata_dir = \"/tmp/gw\"\n"
        "[uplink]\nbrokers = [\"tcp://127.0.0.1:1883\"]\n";
    auto plain = load_config_text(base, "gw.toml", {});
    CHECK(plain.ok());
    LONGS_EQUAL(32LL << 20, plain.config->store.evidence_max_bytes);
    auto set = load_config_text(base + "[store]\nevidence_max_mb = 5\n", "gw.toml", {});
    CHECK(set.ok());
    LONGS_EQUAL(5LL << 20, set.config->store.evidence_max_bytes);
    auto bad = load_config_text(base + "[store]\nevidence_max_mb = 0\n", "gw.toml", {});
    CHECK_FALSE(bad.ok());
    STRCMP_CONTAINS("evidence_max_mb", bad.errors.lines.at(0).c_str());
}

// Caps of 2 GiB and more, which a 32-bit long (armhf) would wrap.
TEST(StoreConfig, CapsOfGigabytesAreKeptWhole) {
    const std::string base =
        "[gateway]\ndistrict = \"d\"\nsite = \"s1\"\nid = \"gw1\"\ndata_dir = \"/tmp/gw\"\n"
        "[uplink]\nbrokers = [\"tcp://127.0.0.1:1883\"]\n";
    auto big = load_config_text(base + "[store]\nalarm_max_mb = 4096\ntelemetry_max_mb = 2048\n",
                                "gw.toml", {});
    CHECK(big.ok());
    CHECK(int64_t{4096} << 20 == big.config->store.alarm_max_bytes);
    CHECK(int64_t{2048} << 20 == big.config->store.telemetry_max_bytes);
}
