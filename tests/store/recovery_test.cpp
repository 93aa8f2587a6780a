// A damaged, cut, emptied or deleted store file: what is readable is saved
// into the new one and the counts are reported; event ids never repeat.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "contract/routes.hpp"
#include "failing_reads.hpp"
#include "fixture.hpp"
#include "store/boot_counter.hpp"
#include "store/files.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw;
using namespace gw::test;

namespace {

constexpr int kRows = 300;

// kRows alarms, kRows telemetry rows and 20 evidence images of ~6 KB (each
// spills into an overflow page), interleaved as a gateway writes them.
void fill(StoreFixture& f) {
    auto s = f.open();
    for (int i = 0; i < kRows; ++i) {
        CHECK(s->append(Lane::alarm, i, contract::kEventRoute, json_payload("a", i)).ok());
        CHECK(s->append(Lane::telemetry, i, contract::kTelemetryRoute, json_payload("t", i)).ok());
        if (i % 15 == 0)
            CHECK(s->append(Lane::evidence, i, contract::evidence_route("a-" + std::to_string(i)),
                            json_payload("e", i, 6000))
                      .ok());
    }
}

const store::LaneSalvage& lane(const Store& s, Lane l) {
    return s.recovery()->lanes[index_of(l)];
}

// Every row of the lane was saved or counted lost, exactly.
void accounted(const Store& s, Lane l, int64_t written) {
    const auto& c = lane(s, l);
    CHECK(c.lost_known);
    LONGS_EQUAL(written, c.saved + c.lost);
}

// The middle leaf page of `table`, and the rows on it.
std::pair<int64_t, int64_t> middle_leaf(const std::string& path, const std::string& table) {
    auto leaves = pages_of(path, table, "leaf");
    CHECK(leaves.size() >= 3);
    return leaves[leaves.size() / 2];
}

// The closed loop's mode row as a side table of the store file holds it.
std::string stored_mode(const std::string& path) {
    auto db = sqlite::Db::open(path);
    CHECK(db.ok());
    auto mode = db->prepare("SELECT value FROM loop_mode WHERE key = 'mode'");
    CHECK(mode.ok());
    LONGS_EQUAL(SQLITE_ROW, mode->step());
    return mode->text_at(0);
}

}  // namespace

TEST_GROUP(StoreRecovery) {
    StoreFixture f;
};

TEST(StoreRecovery, ADamagedTelemetryPageCostsItsRowsNotTheAlarms) {
    fill(f);
    auto [page, cells] = middle_leaf(f.path(), "telemetry");
    damage_page(f.path(), page);
    auto s = f.open();
    CHECK(s->recovery().has_value());
    CHECK(s->recovery()->salvaged);
    STRCMP_CONTAINS("store.db.corrupt-", s->recovery()->kept_as.c_str());
    LONGS_EQUAL(kRows, lane(*s, Lane::alarm).saved);
    LONGS_EQUAL(0, lane(*s, Lane::alarm).lost);
    LONGS_EQUAL(20, lane(*s, Lane::evidence).saved);
    LONGS_EQUAL(kRows - cells, lane(*s, Lane::telemetry).saved);
    LONGS_EQUAL(cells, lane(*s, Lane::telemetry).lost);
    // What was saved is in the new store, in order, with its route.
    auto alarms = all_rows(*s, Lane::alarm);
    LONGS_EQUAL(kRows, alarms.size());
    STRCMP_EQUAL(json_payload("a", 0).c_str(), alarms.front().payload.c_str());
    STRCMP_EQUAL(json_payload("a", kRows - 1).c_str(), alarms.back().payload.c_str());
    STRCMP_EQUAL("event", alarms.front().topic.c_str());
    LONGS_EQUAL(kRows - cells, all_rows(*s, Lane::telemetry).size());
    LONGS_EQUAL(kRows, s->stats().alarm.rows);
}

TEST(StoreRecovery, ADamagedAlarmPageCostsOnlyTheAlarmsOnIt) {
    fill(f);
    auto [page, cells] = middle_leaf(f.path(), "alarm");
    damage_page(f.path(), page);
    auto s = f.open();
    LONGS_EQUAL(kRows - cells, lane(*s, Lane::alarm).saved);
    LONGS_EQUAL(cells, lane(*s, Lane::alarm).lost);
    LONGS_EQUAL(kRows, lane(*s, Lane::telemetry).saved);
    LONGS_EQUAL(20, lane(*s, Lane::evidence).saved);
    LONGS_EQUAL(kRows - cells, all_rows(*s, Lane::alarm).size());
}

// Damage wider than the linear probes, with a short readable tail behind
// it: the doubling search leapt past the table's end and counted the tail
// lost. The end itself is tried, and the tail saved.
TEST(StoreRecovery, TheReadableTailBehindAWideDamageIsSaved) {
    fill(f);
    auto leaves = pages_of(f.path(), "alarm", "leaf");
    CHECK(leaves.size() >= 4);
    int64_t lost = 0;
    for (size_t i = 1; i + 1 < leaves.size(); ++i) {  // all but the first and the last
        damage_page(f.path(), leaves[i].first);
        lost += leaves[i].second;
    }
    CHECK_TEXT(lost > 2 * 64, std::to_string(lost).c_str());
    auto s = f.open();
    LONGS_EQUAL(lost, lane(*s, Lane::alarm).lost);
    LONGS_EQUAL(kRows - lost, lane(*s, Lane::alarm).saved);
    auto alarms = all_rows(*s, Lane::alarm);
    LONGS_EQUAL(kRows - lost, alarms.size());
    STRCMP_EQUAL(json_payload("a", kRows - 1).c_str(), alarms.back().payload.c_str());
}

// An unreadable sector (EIO, the way SD cards fail) under an alarm page is
// damage like a garbled page: the file is moved aside and what can be read
// is saved. (quick_check already lists such a page as damage; this pins it,
// beside the run-time case in acks_test.cpp, which was missed.)
TEST(StoreRecovery, AnUnreadableSectorIsSalvagedNotFatal) {
    fill(f);
    auto [page, cells] = middle_leaf(f.path(), "alarm");
    FailingReads bad(f.path(), (page - 1) * 4096, 4096);
    {
        auto s = f.open();
        CHECK(bad.failed() > 0);
        CHECK(s->recovery().has_value());
        CHECK(s->recovery()->salvaged);
        LONGS_EQUAL(kRows - cells, lane(*s, Lane::alarm).saved);
        LONGS_EQUAL(cells, lane(*s, Lane::alarm).lost);
        LONGS_EQUAL(kRows, lane(*s, Lane::telemetry).saved);
    }  // closed while the VFS it opened through is still there
}

TEST(StoreRecovery, ADamagedEvidenceImageCostsThatImage) {
    fill(f);
    auto overflow = pages_of(f.path(), "evidence", "overflow");
    LONGS_EQUAL(20, overflow.size());
    damage_page(f.path(), overflow[7].first);
    auto s = f.open();
    LONGS_EQUAL(19, lane(*s, Lane::evidence).saved);
    LONGS_EQUAL(1, lane(*s, Lane::evidence).lost);
    LONGS_EQUAL(kRows, lane(*s, Lane::alarm).saved);
    auto evidence = all_rows(*s, Lane::evidence);
    LONGS_EQUAL(19, evidence.size());
    STRCMP_EQUAL("evidence/a-0", evidence.front().topic.c_str());
}

TEST(StoreRecovery, ADamagedHeaderLosesNothing) {
    fill(f);
    damage(f.path(), 0, 100);
    auto s = f.open();
    CHECK(s->recovery().has_value());
    for (Lane l : kAllLanes) LONGS_EQUAL(0, lane(*s, l).lost);
    LONGS_EQUAL(kRows, lane(*s, Lane::alarm).saved);
    LONGS_EQUAL(20, lane(*s, Lane::evidence).saved);
    LONGS_EQUAL(kRows, lane(*s, Lane::telemetry).saved);
    LONGS_EQUAL(kRows, s->stats().alarm.rows);
    // The damaged file is kept as it was; the repaired copy is gone.
    struct stat st {};
    CHECK(::stat(s->recovery()->kept_as.c_str(), &st) == 0);
    CHECK(::stat((s->recovery()->kept_as + ".salvage").c_str(), &st) != 0);
}

TEST(StoreRecovery, AFileCutShortSavesWhatIsLeftAndCountsTheRest) {
    fill(f);
    struct stat st {};
    CHECK(::stat(f.path().c_str(), &st) == 0);
    CHECK(::truncate(f.path().c_str(), st.st_size / 2) == 0);
    auto s = f.open();
    CHECK(s->recovery().has_value());
    accounted(*s, Lane::alarm, kRows);
    accounted(*s, Lane::telemetry, kRows);
    accounted(*s, Lane::evidence, 20);
    CHECK(lane(*s, Lane::alarm).saved > 0);
    CHECK(lane(*s, Lane::alarm).lost > 0);
    LONGS_EQUAL(lane(*s, Lane::alarm).saved, all_rows(*s, Lane::alarm).size());
}

TEST(StoreRecovery, AnEmptiedOrDeletedFileIsReportedAndIdsGoOn) {
    uint64_t boot;
    {
        auto s = f.open();
        CHECK_FALSE(s->recovery().has_value());
        CHECK(s->append(Lane::alarm, 1, "event", json_payload("a", 1)).ok());
        boot = s->boot();
    }
    CHECK(::truncate(f.path().c_str(), 0) == 0);
    {
        auto s = f.open();
        CHECK(s->recovery().has_value());
        STRCMP_EQUAL("store file is empty (0 bytes)", s->recovery()->reason.c_str());
        CHECK_FALSE(s->recovery()->salvaged);
        CHECK_FALSE(lane(*s, Lane::alarm).lost_known);
        LONGS_EQUAL(boot + 1, s->boot());
    }
    CHECK(::unlink(f.path().c_str()) == 0);
    auto s = f.open();
    STRCMP_EQUAL("store file is missing", s->recovery()->reason.c_str());
    LONGS_EQUAL(boot + 2, s->boot());
}

// A card that keeps damaging the store made a full-size copy each time
// (at most every 10 minutes), until the disk was full of them: the newest
// two stay, for a technician, and older ones go with their -wal.
TEST(StoreRecovery, OnlyTheNewestDamagedCopiesAreKept) {
    f.open();
    const std::string base = f.path() + ".corrupt-";
    // Three in one second: -10 is newer than -3 (a sort by name says not).
    for (const char* stamp :
         {"20231114T221320Z-2", "20231114T221320Z-3", "20231114T221320Z-10", "20231113T080000Z"}) {
        CHECK(store::write_durably(base + stamp, "damaged").ok());
        CHECK(store::write_durably(base + stamp + "-wal", "wal").ok());
    }
    f.open();
    CHECK_FALSE(store::exists(base + "20231113T080000Z"));
    CHECK_FALSE(store::exists(base + "20231113T080000Z-wal"));
    CHECK_FALSE(store::exists(base + "20231114T221320Z-2"));
    CHECK_FALSE(store::exists(base + "20231114T221320Z-2-wal"));
    CHECK(store::exists(base + "20231114T221320Z-3"));
    CHECK(store::exists(base + "20231114T221320Z-10"));
    CHECK(store::exists(base + "20231114T221320Z-10-wal"));
    LONGS_EQUAL(2, store::kept_copies(f.path()).size());
}

// A WAL beside an emptied file: SQLite deletes the WAL of a database
// without pages, so its rows were lost without a report. It is reported,
// and the WAL kept aside.
TEST(StoreRecovery, AWalBesideAnEmptiedFileIsKeptAndReported) {
    {
        auto s = f.open();
        CHECK(s->append(Lane::alarm, 1, "event", json_payload("a", 1)).ok());
    }
    CHECK(::truncate(f.path().c_str(), 0) == 0);
    const std::string wal(8192, '\x07');
    CHECK(store::write_durably(f.path() + "-wal", wal).ok());
    auto s = f.open();
    CHECK(s->recovery().has_value());
    STRCMP_EQUAL("store file is empty (0 bytes)", s->recovery()->reason.c_str());
    const std::string kept = s->recovery()->kept_as;
    STRCMP_CONTAINS("store.db.corrupt-", kept.c_str());
    LONGS_EQUAL(wal.size(), store::size_of(kept + "-wal").value_or(0));
}

// A crash between the renames of a damaged file and of its WAL: the
// resumed start moves the WAL to the kept file before a new file is made
// beside it (which would have had SQLite delete it).
TEST(StoreRecovery, AWalLeftBehindByACrashInTheMoveGoesWithTheKeptFile) {
    fill(f);
    damage_page(f.path(), middle_leaf(f.path(), "alarm").first);
    const std::string aside = f.path() + ".corrupt-20231114T221320Z";
    const std::string wal(8192, '\x07');
    CHECK(store::write_durably(f.path() + "-wal", wal).ok());  // written before the marker
    CHECK(store::write_durably(f.path() + ".salvaging", aside).ok());
    CHECK(::rename(f.path().c_str(), aside.c_str()) == 0);
    auto s = f.open();
    CHECK(s->recovery().has_value());
    STRCMP_CONTAINS("cut short", s->recovery()->reason.c_str());
    LONGS_EQUAL(wal.size(), store::size_of(aside + "-wal").value_or(0));
    CHECK(all_rows(*s, Lane::alarm).size() > 0);
}

// A WAL written after the marker is a newer file's, not the damaged one's:
// it is not grafted onto the kept file.
TEST(StoreRecovery, AWalWrittenAfterTheMarkerStaysOffTheKeptFile) {
    fill(f);
    damage_page(f.path(), middle_leaf(f.path(), "alarm").first);
    const std::string aside = f.path() + ".corrupt-20231114T221320Z";
    CHECK(store::write_durably(f.path() + ".salvaging", aside).ok());
    CHECK(::rename(f.path().c_str(), aside.c_str()) == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(store::write_durably(f.path() + "-wal", std::string(8192, '\x07')).ok());
    auto s = f.open();
    CHECK(store::size_of(aside + "-wal").value_or(0) != 8192);  // not the newer file's WAL
    CHECK(all_rows(*s, Lane::alarm).size() > 0);
}

// The copy this open made is never pruned, though a clock not yet set
// (a board without RTC) stamps it before older copies.
TEST(StoreRecovery, TheCopyJustMadeIsKeptWhateverItsStamp) {
    fill(f);
    const std::string base = f.path() + ".corrupt-";
    for (const char* stamp : {"20300101T000000Z", "20300102T000000Z", "20300103T000000Z"})
        CHECK(store::write_durably(base + stamp, "damaged").ok());
    damage_page(f.path(), middle_leaf(f.path(), "alarm").first);
    auto s = f.open();
    CHECK(store::exists(s->recovery()->kept_as));
    CHECK_FALSE(store::exists(base + "20300101T000000Z"));
    CHECK(store::exists(base + "20300103T000000Z"));
}

// kill -9 (or a power cut, or systemd's start timeout on a large file) in
// the middle of a salvage: the next start resumes it from the damaged file
// and copies no row twice. The new file used to pass its check, the
// damaged one was never read again and the rest of its rows stayed there
// undelivered, without a word.
TEST(StoreRecovery, ASalvageCutShortIsResumedWithoutCopyingARowTwice) {
    constexpr int kMany = 20000;
    {
        auto s = f.open();
        std::vector<std::future<Status>> done;
        for (int i = 0; i < kMany; ++i)
            done.push_back(s->append_async(Lane::alarm, i, "event", json_payload("a", i)));
        for (auto& d : done) CHECK(d.get().ok());
    }
    auto [page, cells] = middle_leaf(f.path(), "alarm");
    damage_page(f.path(), page);
    const pid_t child = ::fork();
    CHECK(child >= 0);
    if (child == 0) {
        auto s = Store::open(f.opts(), f.clock, f.log);
        ::_exit(s.ok() ? 0 : 2);
    }
    // Killed once the copy is under way: its first pages are committed.
    bool under_way = false;
    for (int i = 0; i < 20000 && !under_way; ++i) {
        if (auto db = sqlite::Db::open(f.path()); db.ok())
            if (auto n = db->scalar("SELECT value FROM meta WHERE key = 'salvaged_alarm'"); n.ok())
                under_way = *n > 0;
        if (!under_way) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK_TEXT(under_way, "the salvage was not seen under way");
    CHECK_TEXT(WIFSIGNALED(status), "the salvage ended before it was killed: nothing to resume");
    CHECK(store::exists(f.path() + ".salvaging"));
    auto s = f.open();
    CHECK(s->recovery().has_value());
    STRCMP_CONTAINS("cut short", s->recovery()->reason.c_str());
    STRCMP_CONTAINS("store.db.corrupt-", s->recovery()->kept_as.c_str());
    auto alarms = all_rows(*s, Lane::alarm);
    std::set<std::string> distinct;
    for (const auto& r : alarms) distinct.insert(r.payload);
    LONGS_EQUAL(alarms.size(), distinct.size());
    LONGS_EQUAL(kMany - cells, alarms.size());
    CHECK_FALSE(store::exists(f.path() + ".salvaging"));
    // Done: the next start finds nothing to resume.
    s.reset();
    CHECK_FALSE(f.open()->recovery().has_value());
}

// A salvage the new file cannot take (a full disk, here the page cap) is
// resumed at the next start that has room: it used to end there, the rest
// of the rows left only in the damaged file, alarms included.
TEST(StoreRecovery, ASalvageTheNewFileCannotTakeIsResumedWhenThereIsRoom) {
    fill(f);
    {
        auto db = sqlite::Db::open(f.path());
        CHECK(db.ok());
        CHECK(db->exec("CREATE TABLE loop_mode(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                       "INSERT INTO loop_mode VALUES('mode', 'emergency');")
                  .ok());
    }
    auto [page, cells] = middle_leaf(f.path(), "telemetry");
    damage_page(f.path(), page);
    StoreOptions tight = f.opts();
    tight.max_page_count = 24;
    {
        auto s = f.open(tight);
        CHECK(s->recovery().has_value());
        CHECK(all_rows(*s, Lane::alarm).size() < static_cast<size_t>(kRows) ||
              all_rows(*s, Lane::evidence).size() < 20);
    }
    CHECK_TEXT(store::exists(f.path() + ".salvaging"), "the cut-short salvage is not resumable");
    {
        // The daemon ran on the new file meanwhile: the mode went back.
        auto db = sqlite::Db::open(f.path());
        CHECK(db.ok());
        CHECK(db->exec("UPDATE loop_mode SET value = 'normal' WHERE key = 'mode'").ok());
    }
    auto s = f.open();
    CHECK(s->recovery().has_value());
    STRCMP_CONTAINS("cut short", s->recovery()->reason.c_str());
    auto alarms = all_rows(*s, Lane::alarm);
    std::set<std::string> distinct;
    for (const auto& r : alarms) distinct.insert(r.payload);
    LONGS_EQUAL(kRows, alarms.size());
    LONGS_EQUAL(kRows, distinct.size());
    LONGS_EQUAL(20, all_rows(*s, Lane::evidence).size());
    LONGS_EQUAL(kRows - cells, all_rows(*s, Lane::telemetry).size());
    CHECK_FALSE(store::exists(f.path() + ".salvaging"));
    // Copied once, at the first run: the resumed one did not bring back
    // the mode of the damaged file.
    STRCMP_EQUAL("normal", stored_mode(f.path()).c_str());
}

TEST(StoreRecovery, BootNeverRepeatsWhateverHappensToTheFile) {
    std::vector<uint64_t> boots;
    auto open_once = [&] { boots.push_back(f.open()->boot()); };
    open_once();
    open_once();
    CHECK(store::copy_file(f.path(), f.dir.file("older.db")).ok());  // a copy at boot 2
    open_once();
    f.dir.write("store.db", std::string(8192, 'Z'));  // replaced by junk
    open_once();
    CHECK(::unlink(f.path().c_str()) == 0);  // deleted
    open_once();
    CHECK(::truncate(f.path().c_str(), 0) == 0);  // cut to 0 bytes
    open_once();
    CHECK(::rename(f.dir.file("older.db").c_str(), f.path().c_str()) == 0);  // an old copy back
    open_once();
    for (size_t i = 1; i < boots.size(); ++i) LONGS_EQUAL(boots[i - 1] + 1, boots[i]);
}

// A technician moves data_dir, or the folder is wiped: nothing that counted
// the boots is left, yet the ids must not start again from an earlier folder's.
TEST(StoreRecovery, AWipedOrMovedDataFolderNeverBringsBootsBack) {
    uint64_t last = 0;
    for (int i = 0; i < 3; ++i) last = f.open()->boot();
    CHECK_EQUAL(uint64_t{1700000000000}, last - 2);  // the synced clock's ms, then +1 per start
    f.clock.advance(4000);  // the next start, at least the unit's 2 s later
    CHECK(::unlink(f.path().c_str()) == 0);
    CHECK(::unlink(f.dir.file("boot.count").c_str()) == 0);
    CHECK(f.open()->boot() > last);
    StoreOptions moved = f.opts();
    moved.path = f.dir.file("new-folder/store.db");
    CHECK(::mkdir(f.dir.file("new-folder").c_str(), 0750) == 0);
    f.clock.advance(4000);
    CHECK(f.open(moved)->boot() > last + 1);
}

// An unsynced clock (1970, a stale RTC) says nothing about earlier folders: the
// first boot is drawn at random below every synced start.
TEST(StoreRecovery, AFirstBootOnAnUnsyncedClockIsRandomBelowEverySyncedStart) {
    const uint64_t synced_floor = uint64_t{1} << 30;
    CHECK_EQUAL(uint64_t{1764000000123}, store::first_boot(1764000000123, true, 7));
    for (uint64_t random :
         {uint64_t{0}, uint64_t{7}, synced_floor - 2, synced_floor - 1, ~uint64_t{0}}) {
        const uint64_t b = store::first_boot(1764000000123, false, random);
        CHECK(b >= 1 && b < synced_floor);
        const uint64_t early = store::first_boot(5000, true, random);  // "synced" in 1970
        CHECK(early >= 1 && early < synced_floor);
    }
    CHECK(store::first_boot(0, false, 1) != store::first_boot(0, false, 2));
    f.clock.set_synced(false);
    const uint64_t a = f.open()->boot();
    CHECK(a >= 1 && a < synced_floor);
    LONGS_EQUAL(a + 1, f.open()->boot());  // once counted, a boot counts on
}

TEST(StoreRecovery, AFileWithNothingReadableIsReportedWithoutCounts) {
    { auto s = f.open(); }
    f.dir.write("store.db", std::string(8192, 'Z'));
    auto s = f.open();
    CHECK(s->recovery().has_value());
    CHECK_FALSE(s->recovery()->salvaged);
    CHECK_FALSE(lane(*s, Lane::alarm).lost_known);
    CHECK(s->append(Lane::alarm, 1, "event", "{}").ok());
}

// Two damaged files found in the same second (the fixture's clock stands
// still) are both kept: the second was renamed over the first.
TEST(StoreRecovery, TwoDamagedFilesInOneSecondAreBothKept) {
    std::set<std::string> kept;
    for (char garbage : {'Y', 'Z'}) {
        f.dir.write("store.db", std::string(8192, garbage));
        auto s = f.open();
        CHECK(s->recovery().has_value());
        kept.insert(s->recovery()->kept_as);
    }
    LONGS_EQUAL(2, kept.size());
    for (const auto& path : kept) CHECK_TEXT(store::exists(path), path.c_str());
    STRCMP_EQUAL(std::string(8192, 'Y').c_str(), read_file(*kept.begin()).c_str());
}

// The closed loop's and the command inbox's tables live in the store's file
// too: a damaged store keeps an emergency mode and recorded request ids.
TEST(StoreRecovery, OtherTablesInTheFileAreSavedWhole) {
    fill(f);
    {
        auto db = sqlite::Db::open(f.path());
        CHECK(db.ok());
        CHECK(db->exec("CREATE TABLE loop_mode(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                       "INSERT INTO loop_mode VALUES('mode', '{\"mode\":\"emergency\"}');"
                       "CREATE TABLE command(id TEXT PRIMARY KEY, state INTEGER NOT NULL);"
                       "INSERT INTO command VALUES('c-1', 2), ('c-2', 1);")
                  .ok());
    }
    auto [page, cells] = middle_leaf(f.path(), "telemetry");
    damage_page(f.path(), page);
    auto s = f.open();
    CHECK(s->recovery()->salvaged);
    LONGS_EQUAL(kRows, lane(*s, Lane::alarm).saved);
    STRCMP_EQUAL("{\"mode\":\"emergency\"}", stored_mode(f.path()).c_str());
    auto db = sqlite::Db::open(f.path());
    CHECK(db.ok());
    auto commands = db->scalar("SELECT COUNT(*) FROM command");
    CHECK(commands.ok());
    LONGS_EQUAL(2, *commands);
}

namespace {

// Writes `path` until the disk is full, then gives `spare` bytes back.
void fill_up(const std::string& path, off_t spare) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    const std::string chunk(64 * 1024, 'o');
    off_t size = 0;
    for (ssize_t n; (n = ::write(fd, chunk.data(), chunk.size())) > 0;) size += n;
    CHECK(::ftruncate(fd, std::max<off_t>(0, size - spare)) == 0);
    ::close(fd);
}

}  // namespace

TEST_GROUP(StoreRecoveryDiskFull) {
    StoreFixture f;
};

// A damaged store on a disk that cannot hold a second copy of its rows:
// the salvage stops at ENOSPC and is resumed when there is room. It ran
// before the boot was counted and left no room for that: the store never
// opened again (each start resumed the salvage), and the daemon with it.
TEST(StoreRecoveryDiskFull, ASalvageThatFillsTheDiskStillOpensTheStore) {
    SmallTmpfs disk(f.dir.file("disk"), 8);
    if (!disk.mounted) {
        UT_PRINT("SKIPPED: cannot mount a tmpfs here (needs root)");
        return;
    }
    auto o = f.opts();
    o.path = disk.dir + "/store.db";
    uint64_t first_boot = 0;
    int alarms = 0;
    {
        auto s = f.open(o);
        first_boot = s->boot();
        while (alarms < 20000 && s->append(Lane::alarm, alarms, contract::kEventRoute,
                                           json_payload("a", alarms, 2000))
                                     .ok())
            ++alarms;
    }
    CHECK(alarms > 500);
    // Other files take the rest of the disk but 1 MB: room for the
    // salvage's marker and a few pages, not for the copy.
    fill_up(disk.dir + "/other", 1024 * 1024);
    damage_page(o.path, middle_leaf(o.path, "alarm").first);
    auto s = f.open(o);
    CHECK(s->boot() > first_boot);
    CHECK(s->recovery().has_value());
    const size_t saved = all_rows(*s, Lane::alarm).size();
    CHECK(saved > 0);
    CHECK_TEXT(saved < static_cast<size_t>(alarms), "the disk should have held only part");
    CHECK_TEXT(store::exists(o.path + ".salvaging"), "the cut-short salvage is not resumable");
}
