// Acks are gathered: a drain's PUBACKs are deleted in few transactions, yet
// a flush or a stop commits them at once, and a crash before their commit
// keeps the rows (they are sent again: at-least-once, never lost).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "failing_reads.hpp"
#include "fixture.hpp"
#include "support/wait.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw;
using gw::test::all_rows;
using gw::test::json_payload;

namespace {

std::vector<int64_t> append_alarms(Store& s, int n) {
    for (int i = 0; i < n; ++i) CHECK(s.append(Lane::alarm, i, "event", json_payload("a", i)).ok());
    std::vector<int64_t> seqs;
    for (const auto& r : all_rows(s, Lane::alarm)) seqs.push_back(r.seq);
    return seqs;
}

// Waits (generously: the machine is shared) until `done` holds.
template <typename F>
bool eventually(F done) {
    return gw::test::wait_for(done, 30000, 10);
}

// What the background check of `s` finds, once it is done.
std::optional<std::string> checked(Store& s) {
    auto check = s.start_integrity_check();
    CHECK(eventually([&] { return check->done(); }));
    return check->damage();
}

// 3,000 telemetry rows of 1 KB in a closed store; then, with the store open
// again, an early leaf page under some of them damaged behind its back
// (found at run time, not by the check at open: the rows are more than
// SQLite's page cache holds, so the writer reads that page from the file
// again). The store (opened again with `reopen`, default f.opts()), and the
// rows' seqs.
std::pair<std::unique_ptr<Store>, std::vector<int64_t>> damaged_under_rows(
    test::StoreFixture& f, std::optional<StoreOptions> reopen = std::nullopt) {
    {
        auto s = f.open();
        std::vector<std::future<Status>> done;
        for (int i = 0; i < 3000; ++i)
            done.push_back(
                s->append_async(Lane::telemetry, i, "telemetry", json_payload("t", i, 1000)));
        for (auto& d : done) CHECK(d.get().ok());
    }
    auto leaves = test::pages_of(f.path(), "telemetry", "leaf");
    CHECK(leaves.size() >= 3);
    auto s = f.open(reopen.value_or(f.opts()));
    CHECK_FALSE(s->recovery().has_value());
    std::vector<int64_t> seqs;
    for (const auto& r : all_rows(*s, Lane::telemetry)) seqs.push_back(r.seq);
    test::damage_page(f.path(), leaves[1].first);
    return {std::move(s), seqs};
}

}  // namespace

TEST_GROUP(StoreAcks) {
    test::StoreFixture f;
};

// The store's clock stands still here, so nothing but the flush commits them.
TEST(StoreAcks, ManyAcksAreDeletedInOneTransactionAtFlush) {
    auto s = f.open();
    auto seqs = append_alarms(*s, 500);
    const int64_t commits = s->stats().commits;
    for (int64_t seq : seqs) s->ack(Lane::alarm, seq);
    s->flush();
    LONGS_EQUAL(commits + 1, s->stats().commits);
    LONGS_EQUAL(0, s->stats().alarm.rows);
    LONGS_EQUAL(0, all_rows(*s, Lane::alarm).size());
}

TEST(StoreAcks, AFullBatchOfAcksCommitsWithoutWaitingForItsWindow) {
    auto o = f.opts();
    o.max_acks = 100;
    auto s = f.open(o);
    auto seqs = append_alarms(*s, 250);
    for (int64_t seq : seqs) s->ack(Lane::alarm, seq);
    // Fewer than max_acks may still wait for their window; no more.
    CHECK(eventually([&] { return s->stats().alarm.rows < 100; }));
    s->flush();
    LONGS_EQUAL(0, s->stats().alarm.rows);
}

TEST(StoreAcks, GatheredAcksCommitOnceTheirWindowPassesOnTheStoreClock) {
    auto o = f.opts();
    o.ack_window_ms = 200;
    auto s = f.open(o);
    auto seqs = append_alarms(*s, 3);
    for (int64_t seq : seqs) s->ack(Lane::alarm, seq);
    // The clock stands still: however long this sleep, the acks wait.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    LONGS_EQUAL(3, s->stats().alarm.rows);
    f.clock.advance(200);
    CHECK(eventually([&] { return s->stats().alarm.rows == 0; }));
    LONGS_EQUAL(0, all_rows(*s, Lane::alarm).size());
}

TEST(StoreAcks, AnAppendCarriesTheGatheredAcks) {
    auto s = f.open();
    auto seqs = append_alarms(*s, 3);
    for (int64_t seq : seqs) s->ack(Lane::alarm, seq);
    CHECK(s->append(Lane::telemetry, 1, "telemetry", "t").ok());
    LONGS_EQUAL(0, s->stats().alarm.rows);
}

TEST(StoreAcks, StoppingCommitsGatheredAcks) {
    {
        auto s = f.open();
        auto seqs = append_alarms(*s, 5);
        for (size_t i = 0; i < 3; ++i) s->ack(Lane::alarm, seqs[i]);
    }
    auto s = f.open();
    LONGS_EQUAL(2, all_rows(*s, Lane::alarm).size());
    LONGS_EQUAL(2, s->stats().alarm.rows);
}

// kill -9 while acks wait: the rows are still there, to be sent again.
TEST(StoreAcks, ACrashBeforeTheAcksAreCommittedKeepsTheRows) {
    const pid_t child = ::fork();
    CHECK(child >= 0);
    if (child == 0) {
        auto s = Store::open(f.opts(), f.clock, f.log);
        if (!s.ok()) ::_exit(2);
        for (int i = 0; i < 5; ++i)
            if (!(*s)->append(Lane::alarm, i, "event", json_payload("a", i)).ok()) ::_exit(3);
        auto rows = (*s)->read(Lane::alarm, 0, 10);
        if (!rows.ok() || rows->size() != 5) ::_exit(4);
        for (const auto& r : *rows) (*s)->ack(Lane::alarm, r.seq);
        ::raise(SIGKILL);
        ::_exit(5);
    }
    int status = 0;
    CHECK(::waitpid(child, &status, 0) == child);
    CHECK_TEXT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
               ("child exited " + std::to_string(WEXITSTATUS(status))).c_str());
    auto s = f.open();
    LONGS_EQUAL(5, all_rows(*s, Lane::alarm).size());
}

// A read that meets a page damaged at run time says so (damage_seen), and
// the check at open, run again in the background, finds it: what has the
// daemon rebuild its parts, so that the store's open salvages the file. On
// a sound store the check finds nothing.
TEST(StoreAcks, APageDamagedAtRunTimeIsSeenAndFoundByTheCheckAgain) {
    {
        auto sound = f.open();
        CHECK(sound->append(Lane::alarm, 1, "event", json_payload("a", 1)).ok());
        CHECK_FALSE(checked(*sound).has_value());
    }
    auto [s, seqs] = damaged_under_rows(f);
    CHECK_FALSE(s->damage_seen());
    CHECK_FALSE(s->read(Lane::telemetry, 0, static_cast<int>(seqs.size())).ok());
    CHECK(s->damage_seen());
    auto found = checked(*s);
    CHECK(found.has_value());
    STRCMP_CONTAINS("quick_check", found->c_str());
    CHECK_FALSE(s->damage_seen());
}

// A sector that goes unreadable while the store runs (EIO, the way SD
// cards fail) is damage like a garbled page: the read that meets it says
// so, and the check finds it. An I/O error was not taken for damage: no
// check followed, and the uplink retried the rows behind it for ever.
TEST(StoreAcks, ASectorUnreadableAtRunTimeIsSeenAndFoundByTheCheck) {
    {
        auto s = f.open();
        for (int i = 0; i < 3000; ++i)
            CHECK(s->append(Lane::telemetry, i, "telemetry", json_payload("t", i, 1000)).ok());
    }
    auto leaves = test::pages_of(f.path(), "telemetry", "leaf");
    CHECK(leaves.size() >= 3);
    test::FailingReads bad(f.path(), (leaves[1].first - 1) * 4096, 4096, false);
    {
        auto s = f.open();
        CHECK_FALSE(s->recovery().has_value());
        bad.arm();
        CHECK_FALSE(s->read(Lane::telemetry, 0, 3000).ok());
        CHECK(bad.failed() > 0);
        CHECK(s->damage_seen());
        auto found = checked(*s);
        CHECK(found.has_value());
    }  // closed while the VFS it opened through is still there
}

// A stop does not wait for the check to read the rest of a large file: it
// abandons the check, which then finds nothing (no salvage starts from a
// check cut short), though the file is damaged. Then the store still reads
// and writes (the check's connection is its own).
TEST(StoreAcks, AnAbandonedCheckEndsFindingNothing) {
    auto [s, seqs] = damaged_under_rows(f);
    auto check = s->start_integrity_check();
    check->abandon();
    CHECK(check->done());
    CHECK_FALSE(check->damage().has_value());
    CHECK(s->append(Lane::alarm, 1, "event", json_payload("a", 1)).ok());
    LONGS_EQUAL(1, all_rows(*s, Lane::alarm).size());
    // Each check is new: the next one, not abandoned, finds the damage.
    CHECK(checked(*s).has_value());
}

// The center acked rows on a damaged page: their deletes fail. Alarms that
// come meanwhile are stored all the same (acks and rows shared one
// transaction, and every alarm failed with the acks, retried for ever).
TEST(StoreAcks, AlarmsAreStoredWhileTheAcksOfADamagedPageFail) {
    auto [s, seqs] = damaged_under_rows(f);
    for (int64_t seq : seqs) s->ack(Lane::telemetry, seq);
    for (int i = 0; i < 3; ++i) {
        auto stored = s->append(Lane::alarm, i, "event", json_payload("a", i));
        CHECK_TEXT(stored.ok(), stored.ok() ? "" : stored.error().c_str());
    }
    LONGS_EQUAL(3, s->stats().alarm.rows);
    // The write that met the page is told to the daemon all the same,
    // though the retry without the acks got past it.
    CHECK(s->damage_seen());
}

// The telemetry lane at its cap, a page under its oldest rows damaged: the
// room a new telemetry row needs cannot be made (its eviction reads that
// page). An alarm and an image written in the same transaction are stored
// all the same: they failed with the telemetry, at every write until a
// restart.
TEST(StoreAcks, AlarmsAndEvidenceAreStoredWhileTelemetryCannotMakeRoomOverADamagedPage) {
    auto o = f.opts();
    o.telemetry_max_bytes = 1 << 20;  // the 3,000 rows hold about 3 MB: over it
    o.commit_window_ms = 300;         // the two appends in one transaction
    auto [s, seqs] = damaged_under_rows(f, o);
    auto telemetry = s->append_async(Lane::telemetry, 1, "telemetry", json_payload("t", 1, 1000));
    auto alarm = s->append_async(Lane::alarm, 2, "event", json_payload("a", 2));
    auto image = s->append_async(Lane::evidence, 3, "evidence/e1", std::string(2000, 'j'));
    const Status stored = alarm.get();
    CHECK_TEXT(stored.ok(), stored.ok() ? "" : stored.error().c_str());
    const Status kept = image.get();
    CHECK_TEXT(kept.ok(), kept.ok() ? "" : kept.error().c_str());
    const Status refused = telemetry.get();
    CHECK_FALSE(refused.ok());
    STRCMP_CONTAINS("store write failed", refused.error().c_str());
    LONGS_EQUAL(1, s->stats().alarm.rows);
    LONGS_EQUAL(1, s->stats().evidence.rows);
}

// Acks whose deletes keep failing are tried twice, then let go (their rows
// stay, to be sent again): a stop must not wait on them. It used to retry
// them without pause for ever, and gatewayd never exited. In a child, so a
// hang is a failure here, not a hung test run.
TEST(StoreAcks, AStopDoesNotWaitForAcksThatKeepFailing) {
    const pid_t child = ::fork();
    CHECK(child >= 0);
    if (child == 0) {
        auto [s, seqs] = damaged_under_rows(f);
        for (int64_t seq : seqs) s->ack(Lane::telemetry, seq);
        s.reset();  // stops the writer
        ::_exit(0);
    }
    int status = 0;
    pid_t done = 0;
    for (int i = 0; i < 300 && done == 0; ++i) {
        done = ::waitpid(child, &status, WNOHANG);
        if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (done == 0) {
        ::kill(child, SIGKILL);
        ::waitpid(child, &status, 0);
        FAIL("the store did not stop within 30 s");
    }
    CHECK_TEXT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed");
}
