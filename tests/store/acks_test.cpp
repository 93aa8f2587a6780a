// Acks are gathered: a drain's PUBACKs are deleted in few transactions, yet
// a flush or a stop commits them at once, and a crash before their commit
// keeps the rows (they are sent again: at-least-once, never lost).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "fixture.hpp"

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
    for (int i = 0; i < 3000; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
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
