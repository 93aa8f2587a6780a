// The durable store on a real SQLite file in a temp dir.
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "fixture.hpp"
#include "store/store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

std::FILE* quiet() {
    static std::FILE* f = std::fopen("/dev/null", "w");
    return f;
}

struct Fixture {
    gw::test::TempDir dir;
    gw::ManualClock clock{1700000000000};
    gw::Log log{gw::LogLevel::error, quiet()};
    gw::StoreOptions opts() const {
        gw::StoreOptions o;
        o.path = dir.file("store.db");
        o.commit_window_ms = 1;
        return o;
    }
    std::unique_ptr<gw::Store> open(const gw::StoreOptions& o) {
        auto s = gw::Store::open(o, clock, log);
        CHECK_TEXT(s.ok(), s.ok() ? "" : s.error().c_str());
        return std::move(*s);
    }
};

std::string payload(int i, size_t size = 200) {
    std::string p = "row-" + std::to_string(i) + "-";
    p.resize(size, 'x');
    return p;
}

std::vector<gw::Record> all(gw::Store& s, gw::Lane lane) {
    std::vector<gw::Record> out;
    int64_t after = 0;
    for (;;) {
        auto page = s.read(lane, after, 100);
        CHECK(page.ok());
        if (page->empty()) return out;
        after = page->back().seq;
        for (auto& r : *page) out.push_back(std::move(r));
    }
}

// Appends 1 KB alarms until the store refuses one (a store capped at
// `o.max_page_count` pages: full without filling a disk).
void fill_with_alarms(gw::Store& s) {
    gw::Status last;
    for (int i = 0; i < 400 && last.ok(); ++i)
        last = s.append(gw::Lane::alarm, i, "event", payload(i, 1000));
    CHECK_FALSE(last.ok());
}

}  // namespace

TEST_GROUP(Store) {
    Fixture f;
};

TEST(Store, AppendedRowsSurviveReopenAndBootCounts) {
    uint64_t first_boot;
    {
        auto s = f.open(f.opts());
        first_boot = s->boot();
        CHECK(s->append(gw::Lane::alarm, 1, "event", "a1").ok());
        CHECK(s->append(gw::Lane::telemetry, 2, "telemetry", "t1").ok());
        CHECK(s->append(gw::Lane::alarm, 3, "event", "a2").ok());
    }
    auto s = f.open(f.opts());
    LONGS_EQUAL(first_boot + 1, s->boot());
    auto alarms = all(*s, gw::Lane::alarm);
    LONGS_EQUAL(2, alarms.size());
    STRCMP_EQUAL("a1", alarms[0].payload.c_str());
    STRCMP_EQUAL("a2", alarms[1].payload.c_str());
    LONGS_EQUAL(1, all(*s, gw::Lane::telemetry).size());
    LONGS_EQUAL(2, s->stats().alarm.rows);
}

// The daemon feeds systemd's watchdog only while the writer beats: an idle
// writer must go on beating (it wakes every second), or a quiet site would
// be restarted for nothing.
TEST(Store, AnIdleWriterKeepsItsHeartbeat) {
    auto s = f.open(f.opts());
    const gw::Heartbeat& beat = *s->writer_vital().heartbeat;
    f.clock.advance(120000);
    for (int i = 0; i < 50 && beat.last_ms() != 120000; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    LONGS_EQUAL(120000, beat.last_ms());
    STRCMP_EQUAL("store.writer", s->writer_vital().part.c_str());
}

TEST(Store, AckDeletesOnlyThatRow) {
    auto s = f.open(f.opts());
    for (int i = 0; i < 3; ++i) CHECK(s->append(gw::Lane::alarm, i, "event", payload(i)).ok());
    auto rows = all(*s, gw::Lane::alarm);
    s->ack(gw::Lane::alarm, rows[1].seq);
    s->flush();
    auto left = all(*s, gw::Lane::alarm);
    LONGS_EQUAL(2, left.size());
    LONGS_EQUAL(rows[0].seq, left[0].seq);
    LONGS_EQUAL(rows[2].seq, left[1].seq);
    LONGS_EQUAL(2, s->stats().alarm.rows);
}

TEST(Store, ReadsInPagesAfterACursor) {
    auto s = f.open(f.opts());
    for (int i = 0; i < 250; ++i)
        CHECK(s->append(gw::Lane::telemetry, i, "telemetry", payload(i, 20)).ok());
    auto page = s->read(gw::Lane::telemetry, 0, 100);
    LONGS_EQUAL(100, page->size());
    auto next = s->read(gw::Lane::telemetry, page->back().seq, 100);
    LONGS_EQUAL(page->back().seq + 1, next->front().seq);
    LONGS_EQUAL(250, all(*s, gw::Lane::telemetry).size());
}

TEST(Store, ConcurrentProducersAllDurable) {
    auto s = f.open(f.opts());
    std::vector<std::thread> producers;
    for (int t = 0; t < 4; ++t)
        producers.emplace_back([&, t] {
            for (int i = 0; i < 100; ++i)
                CHECK(s->append(gw::Lane::alarm, i, "event", payload(t * 1000 + i)).ok());
        });
    for (auto& p : producers) p.join();
    LONGS_EQUAL(400, all(*s, gw::Lane::alarm).size());
    CHECK(s->stats().commits < 400);  // group commit joined some of them
}

TEST(Store, TelemetryCapEvictsOldestKeepsAlarmsAndReports) {
    auto o = f.opts();
    o.telemetry_max_bytes = 20000;  // ~86 rows of 200 B
    auto s = f.open(o);
    for (int i = 0; i < 10; ++i) CHECK(s->append(gw::Lane::alarm, i, "event", payload(i)).ok());
    for (int i = 0; i < 300; ++i)
        CHECK(s->append(gw::Lane::telemetry, i, "telemetry", payload(i)).ok());
    auto tel = all(*s, gw::Lane::telemetry);
    CHECK(s->stats().telemetry.bytes <= o.telemetry_max_bytes);
    CHECK(tel.size() > 50 && tel.size() < 100);
    // The newest survive, the oldest went.
    STRCMP_CONTAINS("row-299-", tel.back().payload.c_str());
    CHECK(tel.front().payload.find("row-0-") == std::string::npos);
    LONGS_EQUAL(10, all(*s, gw::Lane::alarm).size());
    auto notices = s->take_notices();
    LONGS_EQUAL(1, notices.size());
    STRCMP_EQUAL("telemetry_evicted", notices[0].type.c_str());
    LONGS_EQUAL(300 - static_cast<long>(tel.size()), notices[0].count);
    LONGS_EQUAL(notices[0].count, s->stats().telemetry_evicted_rows);
}

TEST(Store, DatabaseFullEvictsTelemetryThenRefusesAlarmsWithAnError) {
    auto o = f.opts();
    o.max_page_count = 40;  // 160 KiB file: "disk full" without filling a disk
    auto s = f.open(o);
    int stored_tel = 0;
    for (int i = 0; i < 400; ++i)
        stored_tel += s->append(gw::Lane::telemetry, i, "telemetry", payload(i, 1000)).ok();
    CHECK(stored_tel == 400);  // the oldest made room for each new one
    CHECK(s->stats().full_events > 0);
    CHECK(s->stats().telemetry_evicted_rows > 0);
    // Alarms take the room telemetry had, until only alarms are left.
    int stored_alarms = 0;
    gw::Status last;
    for (int i = 0; i < 400 && last.ok(); ++i) {
        last = s->append(gw::Lane::alarm, i, "event", payload(i, 1000));
        stored_alarms += last.ok();
    }
    CHECK_FALSE(last.ok());
    STRCMP_CONTAINS("store full", last.error().c_str());
    LONGS_EQUAL(0, s->stats().telemetry.rows);
    LONGS_EQUAL(stored_alarms, all(*s, gw::Lane::alarm).size());
    // Once the center has taken some, alarms fit again.
    auto rows = all(*s, gw::Lane::alarm);
    for (size_t i = 0; i < 20; ++i) s->ack(gw::Lane::alarm, rows[i].seq);
    s->flush();
    CHECK(s->append(gw::Lane::alarm, 1, "event", payload(1, 1000)).ok());
}

// Found by tools/soak: with the store full of alarms, each telemetry batch
// went through every full-store attempt (WAL folds, fsyncs) before it was
// refused, so a queue of telemetry held the writer for minutes. Now the
// first refusal shuts telemetry out until rows are freed.
TEST(Store, AStoreFullOfAlarmsRefusesTelemetryAtOnceUntilAnAckFreesRows) {
    auto o = f.opts();
    o.max_page_count = 40;
    auto s = f.open(o);
    fill_with_alarms(*s);
    // The refused alarm's attempt folded the WAL: some telemetry may still fit.
    gw::Status first;
    for (int i = 0; i < 100 && first.ok(); ++i)
        first = s->append(gw::Lane::telemetry, i, "telemetry", payload(i, 1000));
    CHECK_FALSE(first.ok());
    STRCMP_CONTAINS("store full: telemetry not stored", first.error().c_str());
    const int64_t full_before = s->stats().full_events;
    for (int i = 0; i < 20; ++i)
        CHECK_FALSE(s->append(gw::Lane::telemetry, i, "telemetry", payload(i, 1000)).ok());
    LONGS_EQUAL(full_before, s->stats().full_events);  // refused without a full attempt
    auto rows = all(*s, gw::Lane::alarm);
    for (size_t i = 0; i < 20; ++i) s->ack(gw::Lane::alarm, rows[i].seq);
    s->flush();
    CHECK(s->append(gw::Lane::telemetry, 2, "telemetry", payload(2, 1000)).ok());
    CHECK(s->append(gw::Lane::alarm, 2, "event", payload(2, 1000)).ok());
}

// Found by a review on a small tmpfs: the acks that came with an alarm
// were rolled back with it when it did not fit, and dropped, so the rows
// the center had taken stayed and the store stayed full of them.
TEST(Store, AcksThatComeWithAnAlarmMakeItsRoomInAFullStore) {
    auto o = f.opts();
    o.max_page_count = 40;
    o.ack_window_ms = 3600000;  // gathered until an append carries them
    o.max_acks = 1000;
    auto s = f.open(o);
    fill_with_alarms(*s);
    auto rows = all(*s, gw::Lane::alarm);
    for (size_t i = 0; i < 20; ++i) s->ack(gw::Lane::alarm, rows[i].seq);
    CHECK(s->append(gw::Lane::alarm, 1, "event", payload(1, 1000)).ok());
    LONGS_EQUAL(rows.size() - 20 + 1, all(*s, gw::Lane::alarm).size());

    // Acks that free too little for the alarm still take effect.
    rows = all(*s, gw::Lane::alarm);
    s->ack(gw::Lane::alarm, rows[0].seq);
    CHECK_FALSE(s->append(gw::Lane::alarm, 2, "event", payload(2, 60000)).ok());
    LONGS_EQUAL(rows.size() - 1, all(*s, gw::Lane::alarm).size());
}

// Each notice becomes an alarm event, which a full store refuses too: one
// report when refusing begins, one with the count once alarms fit again.
TEST(Store, AFullStoreReportsItsRefusalsOnceNotOncePerRefusal) {
    auto o = f.opts();
    o.max_page_count = 40;
    auto s = f.open(o);
    fill_with_alarms(*s);
    auto notices = s->take_notices();
    LONGS_EQUAL(1, notices.size());
    STRCMP_EQUAL("store_full", notices[0].type.c_str());
    for (int i = 0; i < 5; ++i)
        CHECK_FALSE(s->append(gw::Lane::alarm, i, "event", payload(i, 1000)).ok());
    LONGS_EQUAL(0, s->take_notices().size());
    auto rows = all(*s, gw::Lane::alarm);
    for (size_t i = 0; i < 20; ++i) s->ack(gw::Lane::alarm, rows[i].seq);
    s->flush();
    CHECK(s->append(gw::Lane::alarm, 1, "event", payload(1, 1000)).ok());
    notices = s->take_notices();
    LONGS_EQUAL(1, notices.size());
    STRCMP_EQUAL("store_full", notices[0].type.c_str());
    LONGS_EQUAL(5, notices[0].count);
    STRCMP_CONTAINS("5 more alarms were refused", notices[0].message.c_str());
}

TEST(Store, AlarmLaneCapRefusesWithAClearError) {
    auto o = f.opts();
    o.alarm_max_bytes = 2000;
    auto s = f.open(o);
    gw::Status st;
    int n = 0;
    while (st.ok() && n < 100) {
        st = s->append(gw::Lane::alarm, n, "event", payload(n));
        n += st.ok();
    }
    CHECK(n == 8);  // 8 x 232 B fit under 2000
    STRCMP_CONTAINS("alarm lane full", st.error().c_str());
    LONGS_EQUAL(8, all(*s, gw::Lane::alarm).size());
    CHECK_FALSE(s->append(gw::Lane::alarm, n, "event", payload(n)).ok());
    auto notices = s->take_notices();  // one report, not one per refused alarm
    LONGS_EQUAL(1, notices.size());
    STRCMP_EQUAL("alarm_rejected", notices[0].type.c_str());
}

TEST(Store, CorruptFileIsMovedAsideAndANewOneStarted) {
    const std::string garbage(8192, 'Z');
    {
        std::ofstream out(f.dir.file("store.db"), std::ios::binary);
        out << garbage;
    }
    auto s = f.open(f.opts());
    CHECK(s->recovered_from().has_value());
    STRCMP_CONTAINS("store.db.corrupt-2023", s->recovered_from()->c_str());
    STRCMP_EQUAL(garbage.c_str(), gw::test::read_file(*s->recovered_from()).c_str());
    CHECK(s->append(gw::Lane::alarm, 1, "event", "after recovery").ok());
    // Junk holds no count: a first boot, from the synced clock's ms.
    CHECK_EQUAL(uint64_t{1700000000000}, s->boot());
}

TEST(Store, DamagedPagesFailQuickCheckAndAreRecovered) {
    {
        auto s = f.open(f.opts());
        for (int i = 0; i < 200; ++i)
            CHECK(s->append(gw::Lane::alarm, i, "event", payload(i, 500)).ok());
    }
    {
        // Overwrite a stretch in the middle of the b-tree pages.
        std::fstream io(f.dir.file("store.db"), std::ios::in | std::ios::out | std::ios::binary);
        io.seekp(4096 * 5 + 100);
        std::string junk(6000, '\x07');
        io.write(junk.data(), static_cast<long>(junk.size()));
    }
    auto s = f.open(f.opts());
    CHECK(s->recovered_from().has_value());
    CHECK(!s->recovery_reason().empty());
    CHECK(s->append(gw::Lane::alarm, 1, "event", "fresh").ok());
}

TEST(Store, UnusableDirectoryIsAnErrorNotARecovery) {
    auto o = f.opts();
    o.path = f.dir.file("no/such/dir/store.db");
    auto s = gw::Store::open(o, f.clock, f.log);
    CHECK_FALSE(s.ok());
    STRCMP_CONTAINS("no/such/dir/store.db", s.error().c_str());
}

TEST_GROUP(StoreDiskFull) {
    Fixture f;
};

// Found by tools/soak: on a real full disk SQLite could not even delete
// telemetry (a DELETE writes WAL frames too), so alarms were refused with
// telemetry still stored; a restart could not write the boot counter; and
// acked rows could not be deleted, so the store stayed full after a drain.
TEST(StoreDiskFull, AlarmsEvictTelemetryDeletesWorkAndARestartStarts) {
    gw::test::SmallTmpfs disk(f.dir.file("disk"), 8);
    if (!disk.mounted) {
        UT_PRINT("SKIPPED: cannot mount a tmpfs here (needs root)");
        return;
    }
    auto o = f.opts();
    o.path = disk.dir + "/store.db";
    auto s = f.open(o);
    const uint64_t first_boot = s->boot();
    for (int i = 0; s->stats().full_events == 0 && i < 20000; ++i)
        (void)s->append(gw::Lane::telemetry, i, "telemetry", payload(i, 3000));
    CHECK(s->stats().full_events > 0);
    // Alarms, smaller than a telemetry row, take telemetry's room until none is left.
    int alarms = 0;
    gw::Status last;
    for (int i = 0; i < 20000 && last.ok(); ++i) {
        last = s->append(gw::Lane::alarm, i, "event", payload(i, 1000));
        alarms += last.ok();
    }
    CHECK_FALSE(last.ok());
    STRCMP_CONTAINS("store full", last.error().c_str());
    CHECK(alarms > 100);
    CHECK(s->stats().telemetry_evicted_rows > 0);
    LONGS_EQUAL(0, s->stats().telemetry.rows);
    // Rows the center acked are deleted on the full disk, and their room takes alarms.
    auto rows = all(*s, gw::Lane::alarm);
    LONGS_EQUAL(alarms, rows.size());
    for (size_t i = 0; i < 50; ++i) s->ack(gw::Lane::alarm, rows[i].seq);
    s->flush();
    CHECK(s->append(gw::Lane::alarm, 1, "event", payload(1, 1000)).ok());
    // A restart on the full disk: the boot is counted and every alarm is there.
    s.reset();
    s = f.open(o);
    CHECK_EQUAL(first_boot + 1, s->boot());
    LONGS_EQUAL(alarms - 50 + 1, all(*s, gw::Lane::alarm).size());
    s.reset();
}
