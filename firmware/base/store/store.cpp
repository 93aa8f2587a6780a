#include "store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "core/unique_fd.hpp"
#include "eviction.hpp"

namespace gw {
namespace {

constexpr size_t kMaxQueuedPerLane = 20000;  // producers wait beyond this: bounded memory
constexpr int64_t kPageSize = 4096;
const char* const kTable[2] = {"alarm", "telemetry"};

bool is_corrupt_code(int rc) {
    rc &= 0xff;
    return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT;
}

std::string utc_stamp(int64_t now_ms) {
    std::time_t t = static_cast<std::time_t>(now_ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// A full disk (ENOSPC, not the page cap) needs two things: room for WAL
// frames, since even a DELETE writes some, and a database file that stops
// growing, since WAL pages beyond its end can only be checkpointed by
// growing it. So the store holds a reserve file that it gives up when the
// disk is full, and caps the file at its size until there is room again:
// eviction's freed pages are reused instead.
constexpr int64_t kReserveBytes = 4 << 20;

std::string reserve_path(const std::string& db) {
    return db + "-reserve";
}

bool give_up_reserve(const std::string& db) {
    return ::unlink(reserve_path(db).c_str()) == 0;
}

int64_t disk_free(const std::string& db) {
    struct statvfs fs {};
    if (::statvfs(db.c_str(), &fs) != 0) return 0;
    return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

// True once the reserve is in place; taken only with room to spare, so the
// reserve is never what fills the disk.
bool take_reserve(const std::string& db) {
    const std::string path = reserve_path(db);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && st.st_size >= kReserveBytes) return true;
    if (disk_free(db) < kReserveBytes + (1 << 20)) return false;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (fd && ::posix_fallocate(fd.get(), 0, kReserveBytes) == 0) return true;
    ::unlink(path.c_str());
    return false;
}

int64_t configured_pages(const StoreOptions& o) {
    if (o.max_page_count > 0) return o.max_page_count;
    return (o.alarm_max_bytes + o.telemetry_max_bytes) * 2 / kPageSize + 1024;
}

void cap_pages(sqlite::Db& db, int64_t pages) {
    (void)db.exec("PRAGMA max_page_count=" + std::to_string(pages));
}

int64_t file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

// Without the reserve, the file must not grow: WAL pages beyond its end
// could only be checkpointed by growing it, and on a full disk nothing else
// can be written until they are (not even a DELETE: its WAL frames need
// room, which a checkpoint gives back). So fold the WAL into the file and
// cap the file at the size it has; pages freed later are reused instead.
// True if the WAL gave back space.
bool fold_wal(sqlite::Db& db, const std::string& path) {
    const int64_t before = file_size(path + "-wal");
    (void)db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    cap_pages(db, std::max<int64_t>(1, file_size(path) / kPageSize));
    return file_size(path + "-wal") < before;
}

// A file capped at its size by a full disk gets its configured cap back
// once the disk has room for the reserve again.
bool uncap_if_room(sqlite::Db& db, const StoreOptions& o) {
    auto cap = db.scalar("PRAGMA max_page_count");
    if (!cap || *cap >= configured_pages(o) || !take_reserve(o.path)) return false;
    cap_pages(db, configured_pages(o));
    return true;
}

struct Opened {
    sqlite::Db db;
    bool corrupt = false;
    std::string error;
};

// Opens, configures and checks one file. `corrupt` tells a damaged file
// (to be moved aside) from an environment problem (to be reported).
Opened open_checked(const std::string& path, int64_t max_pages) {
    Opened o;
    auto db = sqlite::Db::open(path);
    if (!db) {
        o.error = db.error();
        return o;
    }
    o.db = std::move(*db);
    auto fail_with = [&](const std::string& what) {
        o.corrupt = is_corrupt_code(o.db.extended_errcode());
        o.error = what;
        return std::move(o);
    };
    auto mode = o.db.prepare("PRAGMA journal_mode=WAL");
    if (!mode) return fail_with(mode.error());
    if (mode->step() != SQLITE_ROW) return fail_with("PRAGMA journal_mode: " + o.db.errmsg());
    if (mode->text_at(0) != "wal") return fail_with("cannot switch to WAL: " + mode->text_at(0));
    *mode = sqlite::Stmt();  // finalized: an open statement would hold a read lock
    auto qc = o.db.prepare("PRAGMA quick_check");
    if (!qc) return fail_with(qc.error());
    int rc = qc->step();
    if (rc != SQLITE_ROW) return fail_with("quick_check: " + o.db.errmsg());
    if (qc->text_at(0) != "ok") {
        o.corrupt = true;
        o.error = "quick_check: " + qc->text_at(0);
        return o;
    }
    *qc = sqlite::Stmt();
    const std::string setup =
        "PRAGMA synchronous=FULL;"
        "PRAGMA journal_size_limit=16777216;"
        "PRAGMA max_page_count=" +
        std::to_string(max_pages) +
        ";"
        "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT "
        "ROWID;"
        "CREATE TABLE IF NOT EXISTS alarm(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " t_ms INTEGER NOT NULL, payload BLOB NOT NULL);"
        "CREATE TABLE IF NOT EXISTS telemetry(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " t_ms INTEGER NOT NULL, payload BLOB NOT NULL);";
    if (auto s = o.db.exec(setup); !s) return fail_with(s.error());
    return o;
}

}  // namespace

const char* to_string(Lane lane) {
    return kTable[static_cast<int>(lane)];
}

// Changes made inside one transaction, applied to the counters only once it
// has committed (a rolled back transaction changes nothing).
struct Store::TxnDelta {
    LaneStats lane[2];
    int64_t evicted_rows = 0;
    int64_t evicted_bytes = 0;
    bool added = false;
};

Store::Store(const StoreOptions& options, Clock& clock, Log& log)
    : options_(options), clock_(clock), log_(log) {}

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options, Clock& clock, Log& log) {
    std::unique_ptr<Store> store(new Store(options, clock, log));
    if (auto s = store->init(options); !s) return fail(s.error());
    store->writer_ = std::thread([s = store.get()] { s->writer_loop(); });
    return store;
}

Status Store::init(const StoreOptions& o) {
    const int64_t pages = configured_pages(o);
    give_up_reserve(o.path);  // a restart on a full disk needs it to write the boot counter
    Opened opened = open_checked(o.path, pages);
    if (!opened.error.empty() && opened.corrupt) {
        opened.db = sqlite::Db();
        const std::string aside = o.path + ".corrupt-" + utc_stamp(clock_.now_ms());
        if (::rename(o.path.c_str(), aside.c_str()) != 0)
            return fail("store " + o.path + " is damaged (" + opened.error +
                        ") and cannot be moved aside: " + std::strerror(errno));
        for (const char* suffix : {"-wal", "-shm"}) {
            if (exists(o.path + suffix))
                ::rename((o.path + suffix).c_str(), (aside + suffix).c_str());
        }
        log_.error("store", "damaged database moved aside, starting a new one",
                   {{"path", o.path}, {"kept_as", aside}, {"reason", opened.error}});
        recovered_from_ = aside;
        recovery_reason_ = opened.error;
        opened = open_checked(o.path, pages);
    }
    if (!opened.error.empty()) return fail("store " + o.path + ": " + opened.error);
    db_ = std::move(opened.db);

    if (auto s = db_.exec("BEGIN IMMEDIATE;"
                          "INSERT INTO meta(key, value) VALUES('boot', 1)"
                          " ON CONFLICT(key) DO UPDATE SET value = value + 1;"
                          "COMMIT;");
        !s)
        return fail("store " + o.path + ": cannot count the boot: " + s.error());
    auto boot = db_.scalar("SELECT value FROM meta WHERE key = 'boot'");
    if (!boot) return fail(boot.error());
    boot_ = static_cast<uint64_t>(*boot);

    for (int l = 0; l < 2; ++l) {
        const std::string t = kTable[l];
        auto ins = db_.prepare("INSERT INTO " + t + "(t_ms, payload) VALUES(?, ?)");
        auto del = db_.prepare("DELETE FROM " + t + " WHERE seq = ? RETURNING length(payload)");
        if (!ins || !del) return fail(!ins ? ins.error() : del.error());
        insert_[l] = std::move(*ins);
        delete_[l] = std::move(*del);
        auto rows = db_.scalar("SELECT COUNT(*) FROM " + t);
        auto bytes = db_.scalar("SELECT COALESCE(SUM(length(payload)), 0) FROM " + t);
        if (!rows || !bytes) return fail(!rows ? rows.error() : bytes.error());
        LaneStats& ls = l == 0 ? stats_.alarm : stats_.telemetry;
        ls.rows = *rows;
        ls.bytes = *bytes + *rows * store::kRowOverhead;
    }
    auto oldest = db_.prepare(
        "SELECT seq, length(payload) FROM telemetry WHERE seq > ? ORDER BY seq LIMIT 512");
    if (!oldest) return fail(oldest.error());
    oldest_rows_ = std::move(*oldest);

    auto reader = sqlite::Db::open(o.path);
    if (!reader) return fail(reader.error());
    reader_ = std::move(*reader);
    if (auto s = reader_.exec("PRAGMA query_only=1"); !s) return fail(s.error());
    if (!take_reserve(o.path)) (void)fold_wal(db_, o.path);  // no room for it: a full disk
    log_.info("store", "opened",
              {{"path", o.path},
               {"boot", boot_},
               {"alarm_rows", stats_.alarm.rows},
               {"telemetry_rows", stats_.telemetry.rows},
               {"max_pages", pages}});
    return Status::success();
}

Store::~Store() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    work_cv_.notify_all();
    space_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (db_) (void)db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

std::future<Status> Store::append_async(Lane lane, int64_t t_ms, std::string payload) {
    Pending p{lane, t_ms, std::move(payload), {}};
    auto fut = p.done.get_future();
    std::unique_lock<std::mutex> lock(mutex_);
    auto& q = queued_[static_cast<int>(lane)];
    space_cv_.wait(lock, [&] { return stop_ || q.size() < kMaxQueuedPerLane; });
    if (stop_) {
        p.done.set_value(fail("store is closing: not stored"));
        return fut;
    }
    q.push_back(std::move(p));
    lock.unlock();
    work_cv_.notify_one();
    return fut;
}

Status Store::append(Lane lane, int64_t t_ms, std::string payload) {
    return append_async(lane, t_ms, std::move(payload)).get();
}

void Store::ack(Lane lane, int64_t seq) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        acks_.emplace_back(lane, seq);
    }
    work_cv_.notify_one();
}

void Store::flush() {
    std::promise<void> done;
    auto fut = done.get_future();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_) return;
        flushes_.push_back(std::move(done));
    }
    work_cv_.notify_one();
    fut.wait();
}

void Store::set_on_commit(std::function<void()> callback) {
    std::lock_guard<std::mutex> lock(mutex_);
    on_commit_ = std::move(callback);
}

bool Store::has_work() const {
    return !queued_[0].empty() || !queued_[1].empty() || !acks_.empty() || !flushes_.empty();
}

Store::Batch Store::take_batch() {
    Batch b;
    for (int l = 0; l < 2; ++l) {
        auto& q = queued_[l];
        auto& out = l == 0 ? b.alarms : b.telemetry;
        const size_t n = std::min(q.size(), static_cast<size_t>(options_.max_batch));
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            out.push_back(std::move(q.front()));
            q.pop_front();
        }
    }
    b.acks.swap(acks_);
    b.flushes.swap(flushes_);
    return b;
}

void Store::writer_loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        if (!work_cv_.wait_for(lock, std::chrono::seconds(1),
                               [&] { return stop_ || has_work(); })) {
            lock.unlock();
            checkpoint_if_idle();
            lock.lock();
            continue;
        }
        if (!has_work()) break;  // stopping and nothing left
        const size_t queued = queued_[0].size() + queued_[1].size();
        if (options_.commit_window_ms > 0 && queued > 0 && !stop_) {
            // Group commit: let more producers join this transaction's fsync.
            const auto max = static_cast<size_t>(options_.max_batch);
            work_cv_.wait_for(lock, std::chrono::milliseconds(options_.commit_window_ms), [&] {
                return stop_ || queued_[0].size() >= max || queued_[1].size() >= max;
            });
        }
        Batch batch = take_batch();
        lock.unlock();
        space_cv_.notify_all();
        write_batch(batch);
        lock.lock();
    }
}

void Store::write_batch(Batch& batch) {
    std::vector<Status> alarm_results(batch.alarms.size());
    std::vector<Status> tel_results(batch.telemetry.size());
    TxnDelta delta;
    int rc = SQLITE_OK;
    int64_t incoming = 0;
    for (const auto& p : batch.telemetry)
        incoming += store::row_cost(static_cast<int64_t>(p.payload.size()));
    for (const auto& p : batch.alarms)
        incoming += store::row_cost(static_cast<int64_t>(p.payload.size()));
    // Full: free telemetry and try again; alarms are kept whatever happens.
    for (int attempt = 0; attempt < 4; ++attempt) {
        delta = TxnDelta{};
        rc = run_txn(batch, alarm_results, tel_results, delta);
        if (!sqlite::is_full(db_.get(), rc)) break;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stats_.full_events += 1;
        }
        if (uncap_if_room(db_, options_)) continue;  // the disk has room again
        if (give_up_reserve(options_.path))
            log_.warn("store", "disk full: gave up the reserve to make room",
                      {{"bytes", kReserveBytes}});
        const bool wal_folded = fold_wal(db_, options_.path);
        const bool room = evict_when_full(incoming) > 0 || wal_folded;
        if (room && (attempt == 0 || batch.telemetry.empty())) continue;
        if (batch.telemetry.empty()) break;
        // Nothing left to evict, or still no room after evicting: give the
        // room to the alarms, refuse this telemetry.
        for (auto& p : batch.telemetry) p.done.set_value(fail("store full: telemetry not stored"));
        batch.telemetry.clear();
        tel_results.clear();
    }
    if (rc != SQLITE_OK) {
        const std::string why = sqlite::is_full(db_.get(), rc)
                                    ? "store full (database cap or disk): not stored"
                                    : std::string("store write failed: ") + sqlite3_errstr(rc);
        log_.error("store", "transaction failed",
                   {{"error", why}, {"alarms", batch.alarms.size()}});
        if (sqlite::is_full(db_.get(), rc))
            notice({"store_full", static_cast<int64_t>(batch.alarms.size()), 0,
                    "store is full and holds only alarms: new events are refused"});
        for (auto& r : alarm_results) r = fail(why);
        for (auto& r : tel_results) r = fail(why);
    } else {
        apply(delta);
    }
    for (size_t i = 0; i < batch.alarms.size(); ++i)
        batch.alarms[i].done.set_value(alarm_results[i]);
    for (size_t i = 0; i < batch.telemetry.size(); ++i)
        batch.telemetry[i].done.set_value(tel_results[i]);
    for (auto& f : batch.flushes) f.set_value();
    if (rc == SQLITE_OK && delta.added) {
        std::function<void()> cb;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            cb = on_commit_;
        }
        if (cb) cb();
    }
}

int Store::run_txn(Batch& batch, std::vector<Status>& alarm_results,
                   std::vector<Status>& tel_results, TxnDelta& delta) {
    if (!db_.exec("BEGIN IMMEDIATE")) return db_.extended_errcode();
    int rc = SQLITE_OK;
    // Alarms first: they get the room before any telemetry in this batch.
    for (size_t i = 0; i < batch.alarms.size() && rc == SQLITE_OK; ++i)
        rc = insert(Lane::alarm, batch.alarms[i], delta, alarm_results[i]);
    for (size_t i = 0; i < batch.acks.size() && rc == SQLITE_OK; ++i) {
        const int l = static_cast<int>(batch.acks[i].first);
        auto& del = delete_[l];
        del.bind(1, batch.acks[i].second);
        int s = del.step();
        if (s == SQLITE_ROW) {
            delta.lane[l].rows -= 1;
            delta.lane[l].bytes -= store::row_cost(del.int_at(0));
            s = del.step();
        }
        del.reset();
        if (s != SQLITE_DONE) rc = s;
    }
    for (size_t i = 0; i < batch.telemetry.size() && rc == SQLITE_OK; ++i)
        rc = insert(Lane::telemetry, batch.telemetry[i], delta, tel_results[i]);
    if (rc == SQLITE_OK) {
        if (auto s = db_.exec("COMMIT"); s) return SQLITE_OK;
        rc = db_.extended_errcode();
    }
    if (!sqlite3_get_autocommit(db_.get())) (void)db_.exec("ROLLBACK");
    return rc;
}

int Store::insert(Lane lane, const Pending& p, TxnDelta& delta, Status& result) {
    const int l = static_cast<int>(lane);
    const int64_t cost = store::row_cost(static_cast<int64_t>(p.payload.size()));
    if (lane == Lane::alarm) {
        const int64_t now = stats_.alarm.bytes + delta.lane[0].bytes;
        if (now + cost > options_.alarm_max_bytes) {
            result = fail("alarm lane full (" + std::to_string(now) + " of " +
                          std::to_string(options_.alarm_max_bytes) + " bytes): event not stored");
            notice({"alarm_rejected", 1, cost, result.error()});
            return SQLITE_OK;
        }
    } else {
        const int64_t now = stats_.telemetry.bytes + delta.lane[1].bytes;
        int64_t need = store::bytes_over_cap(now, cost, options_.telemetry_max_bytes);
        if (need > 0) {
            if (int rc = evict_telemetry(need, delta); rc != SQLITE_OK) return rc;
        }
    }
    auto& ins = insert_[l];
    ins.bind(1, p.t_ms);
    sqlite3_bind_blob(ins.get(), 2, p.payload.data(), static_cast<int>(p.payload.size()),
                      SQLITE_STATIC);
    int rc = ins.step();
    ins.reset();
    if (rc != SQLITE_DONE) return rc;
    delta.lane[l].rows += 1;
    delta.lane[l].bytes += cost;
    delta.added = true;
    result = Status::success();
    return SQLITE_OK;
}

// Deletes the oldest telemetry rows, at least `need` bytes, inside the open
// transaction. Reads sizes in pages of 512 rows: never the whole lane.
int Store::evict_telemetry(int64_t need, TxnDelta& delta) {
    int64_t freed = 0, after = 0;
    while (freed < need) {
        std::vector<store::RowSize> rows;
        oldest_rows_.bind(1, after);
        int rc;
        while ((rc = oldest_rows_.step()) == SQLITE_ROW)
            rows.push_back({oldest_rows_.int_at(0), store::row_cost(oldest_rows_.int_at(1))});
        oldest_rows_.reset();
        if (rc != SQLITE_DONE) return rc;
        if (rows.empty()) break;
        auto pick = store::pick_oldest(rows, need - freed);
        auto del =
            db_.prepare("DELETE FROM telemetry WHERE seq <= " + std::to_string(pick.last_seq));
        if (!del) return db_.extended_errcode();
        rc = del->step();
        if (rc != SQLITE_DONE) return rc;
        freed += pick.bytes;
        after = pick.last_seq;
        delta.lane[1].rows -= pick.rows;
        delta.lane[1].bytes -= pick.bytes;
        delta.evicted_rows += pick.rows;
        delta.evicted_bytes += pick.bytes;
    }
    return SQLITE_OK;
}

// Runs its own transaction; returns the bytes freed (0: no telemetry left).
int64_t Store::evict_when_full(int64_t incoming) {
    int64_t tel_bytes;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        tel_bytes = stats_.telemetry.bytes;
    }
    const int64_t need = store::bytes_to_free_when_full(tel_bytes, incoming);
    if (need <= 0) return 0;
    TxnDelta delta;
    if (!db_.exec("BEGIN IMMEDIATE")) return 0;
    int rc = evict_telemetry(need, delta);
    if (rc == SQLITE_OK && db_.exec("COMMIT")) {
        fold_wal(db_, options_.path);  // the freed pages into the file, for reuse
        apply(delta);
        log_.warn("store", "database or disk full: evicted oldest telemetry",
                  {{"rows", delta.evicted_rows}, {"bytes", delta.evicted_bytes}});
        return delta.evicted_bytes;
    }
    if (!sqlite3_get_autocommit(db_.get())) (void)db_.exec("ROLLBACK");
    return 0;
}

void Store::apply(const TxnDelta& d) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.alarm.rows += d.lane[0].rows;
    stats_.alarm.bytes += d.lane[0].bytes;
    stats_.telemetry.rows += d.lane[1].rows;
    stats_.telemetry.bytes += d.lane[1].bytes;
    stats_.evicted_rows += d.evicted_rows;
    stats_.evicted_bytes += d.evicted_bytes;
    stats_.commits += 1;
    dirty_since_checkpoint_ = true;
    if (d.evicted_rows > 0) {
        // Merged into one pending notice: a long outage yields one report per
        // intake poll, not one per transaction.
        if (!notices_.empty() && notices_.back().type == "telemetry_evicted") {
            notices_.back().count += d.evicted_rows;
            notices_.back().bytes += d.evicted_bytes;
        } else {
            notices_.push_back({"telemetry_evicted", d.evicted_rows, d.evicted_bytes,
                                "telemetry cap reached: oldest telemetry evicted"});
        }
    }
}

void Store::notice(StoreNotice n) {
    std::lock_guard<std::mutex> lock(mutex_);
    notices_.push_back(std::move(n));
}

std::vector<StoreNotice> Store::take_notices() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<StoreNotice> out;
    out.swap(notices_);
    return out;
}

StoreStats Store::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
}

void Store::checkpoint_if_idle() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!dirty_since_checkpoint_) return;
        dirty_since_checkpoint_ = false;
    }
    // Idle for a second: fold the WAL back so it does not grow without bound.
    (void)db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    if (!uncap_if_room(db_, options_)) (void)take_reserve(options_.path);
}

Result<std::vector<Record>> Store::read(Lane lane, int64_t after_seq, int limit) {
    std::lock_guard<std::mutex> lock(reader_mutex_);
    auto st = reader_.prepare(std::string("SELECT seq, t_ms, payload FROM ") + to_string(lane) +
                              " WHERE seq > ? ORDER BY seq LIMIT ?");
    if (!st) return fail(st.error());
    st->bind(1, after_seq);
    st->bind(2, limit);
    std::vector<Record> out;
    int rc;
    while ((rc = st->step()) == SQLITE_ROW)
        out.push_back({lane, st->int_at(0), st->int_at(1), st->text_at(2)});
    if (rc != SQLITE_DONE) return fail(std::string("store read: ") + reader_.errmsg());
    return out;
}

std::optional<int64_t> Store::oldest_t_ms(Lane lane) {
    std::lock_guard<std::mutex> lock(reader_mutex_);
    auto st = reader_.prepare(std::string("SELECT t_ms FROM ") + to_string(lane) +
                              " ORDER BY seq LIMIT 1");
    if (!st || st->step() != SQLITE_ROW) return std::nullopt;
    return st->int_at(0);
}

Result<std::optional<int64_t>> Store::find_seq(Lane lane, const std::string& text) {
    std::lock_guard<std::mutex> lock(reader_mutex_);
    // Newest first: the row looked for is usually the last one appended.
    auto st = reader_.prepare(std::string("SELECT seq FROM ") + to_string(lane) +
                              " WHERE instr(payload, ?) > 0 ORDER BY seq DESC LIMIT 1");
    if (!st) return fail(st.error());
    st->bind_text(1, text);
    int rc = st->step();
    if (rc == SQLITE_ROW) return std::optional<int64_t>(st->int_at(0));
    if (rc != SQLITE_DONE) return fail(std::string("store find: ") + reader_.errmsg());
    return std::optional<int64_t>();
}

Result<bool> Store::has_row(Lane lane, int64_t seq) {
    std::lock_guard<std::mutex> lock(reader_mutex_);
    auto st = reader_.prepare(std::string("SELECT 1 FROM ") + to_string(lane) + " WHERE seq = ?");
    if (!st) return fail(st.error());
    st->bind(1, seq);
    int rc = st->step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail(std::string("store lookup: ") + reader_.errmsg());
    return rc == SQLITE_ROW;
}

}  // namespace gw
