// Store: appends, group commit, eviction, reads. Opening is in store_open.cpp.
#include "store.hpp"

#include <algorithm>
#include <utility>

#include "eviction.hpp"
#include "full_disk.hpp"

namespace gw {
namespace {

constexpr size_t kMaxQueuedPerLane = 20000;  // producers wait beyond this: bounded memory
constexpr int64_t kChurnBatches = 8;         // as eviction frees an eighth of a lane when full
constexpr int kMaxAttempts = 8;              // a full disk: evict or refuse, then retry
const char* const kTable[kLanes] = {"alarm", "evidence", "telemetry"};

int64_t cost_of(const std::string& topic, const std::string& payload) {
    return store::row_cost(static_cast<int64_t>(topic.size() + payload.size()));
}

std::string write_failed_text(int rc) {
    return std::string("store write failed: ") + sqlite3_errstr(rc);
}

}  // namespace

const char* to_string(Lane lane) {
    return kTable[index_of(lane)];
}

std::optional<Lane> lane_from_string(std::string_view name) {
    for (Lane lane : kAllLanes)
        if (name == to_string(lane)) return lane;
    return std::nullopt;
}

// Changes made inside one transaction, applied to the counters only once it
// has committed (a rolled back transaction changes nothing).
struct Store::TxnDelta {
    LaneStats lane[kLanes];
    int64_t evicted_rows[kLanes] = {};
    int64_t evicted_bytes[kLanes] = {};
    int64_t rejected_alarms = 0, rejected_bytes = 0;  // over the alarm lane's cap
    bool added = false;
};

Store::Store(const StoreOptions& options, Clock& clock, Log& log)
    : options_(options), clock_(clock), log_(log) {}

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

std::future<Status> Store::append_async(Lane lane, int64_t t_ms, std::string topic,
                                        std::string payload) {
    Pending p{lane, t_ms, std::move(topic), std::move(payload), {}};
    auto fut = p.done.get_future();
    std::unique_lock<std::mutex> lock(mutex_);
    auto& q = queued_[index_of(lane)];
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

Status Store::append(Lane lane, int64_t t_ms, std::string topic, std::string payload) {
    return append_async(lane, t_ms, std::move(topic), std::move(payload)).get();
}

void Store::ack(Lane lane, int64_t seq) {
    bool wake;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (acks_.empty()) acks_since_mono_ = clock_.mono_ms();
        acks_.emplace_back(lane, seq);
        // The writer only needs to hear of the first (to start its wait)
        // and of a full batch.
        wake = acks_.size() == 1 || acks_.size() >= static_cast<size_t>(options_.max_acks);
    }
    if (wake) work_cv_.notify_one();
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

// Under on_commit_mutex_, which the writer holds while it calls the
// callback: once this returns, the old callback has finished and is never
// called again, so its owner may go (the uplink clears it before it is
// destroyed; a copy taken just before could wake a destroyed uplink).
void Store::set_on_commit(std::function<void()> callback) {
    std::lock_guard<std::mutex> lock(on_commit_mutex_);
    on_commit_ = std::move(callback);
}

bool Store::has_work() const {
    for (const auto& q : queued_)
        if (!q.empty()) return true;
    return !acks_.empty() || !flushes_.empty();
}

Store::Batch Store::take_batch() {
    Batch b;
    for (int l = 0; l < kLanes; ++l) {
        auto& q = queued_[l];
        auto& out = b.lanes[l];
        const size_t n = std::min(q.size(), static_cast<size_t>(options_.max_batch));
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            out.push_back(std::move(q.front()));
            q.pop_front();
        }
    }
    b.acks.swap(acks_);
    b.retried_acks = std::exchange(acks_retried_, 0);
    b.flushes.swap(flushes_);
    return b;
}

// Work that cannot wait: appends (producers block on them), a flush, a
// full batch of acks, stopping.
bool Store::urgent() const {
    for (const auto& q : queued_)
        if (!q.empty()) return true;
    return stop_ || !flushes_.empty() || acks_.size() >= static_cast<size_t>(options_.max_acks);
}

bool Store::acks_due() const {
    return !acks_.empty() && clock_.mono_ms() - acks_since_mono_ >= options_.ack_window_ms;
}

// Until the gathered acks are due; with nothing gathered, a second (then
// the idle checkpoint).
std::chrono::milliseconds Store::idle_wait() const {
    if (acks_.empty()) return std::chrono::seconds(1);
    const int64_t left = acks_since_mono_ + options_.ack_window_ms - clock_.mono_ms();
    return std::chrono::milliseconds(
        std::max<int64_t>(1, std::min<int64_t>(left, options_.ack_window_ms)));
}

void Store::writer_loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto max = static_cast<size_t>(options_.max_batch);
    auto queued = [&] {
        size_t n = 0, most = 0;
        for (const auto& q : queued_) {
            n += q.size();
            most = std::max(most, q.size());
        }
        return std::make_pair(n, most);
    };
    for (;;) {
        writer_beat_.beat(clock_.mono_ms());
        // The first ack ends an idle wait too: its window starts now.
        const bool gathering = !acks_.empty();
        if (!work_cv_.wait_for(lock, idle_wait(), [&] {
                return urgent() || acks_due() || (!gathering && !acks_.empty());
            })) {
            if (!acks_.empty()) continue;  // not due yet
            lock.unlock();
            checkpoint_if_idle();
            lock.lock();
            continue;
        }
        if (!urgent() && !acks_due()) continue;  // acks that can wait
        if (!has_work()) break;                  // stopping and nothing left
        if (options_.commit_window_ms > 0 && queued().first > 0 && !stop_) {
            // Group commit: let more producers join this transaction's fsync.
            work_cv_.wait_for(lock, std::chrono::milliseconds(options_.commit_window_ms),
                              [&] { return stop_ || queued().second >= max; });
        }
        Batch batch = take_batch();
        lock.unlock();
        space_cv_.notify_all();
        write_batch(batch);
        lock.lock();
    }
}

void Store::write_batch(Batch& batch) {
    Results results;
    for (int l = 0; l < kLanes; ++l) results[l].resize(batch.lanes[l].size());
    refuse_telemetry_while_shut(batch, results);
    TxnDelta delta;
    int rc = write_with_room(batch, results, delta);
    if (rc != SQLITE_OK) rc = retry_without_acks(batch, results, delta, rc);
    if (rc != SQLITE_OK) rc = retry_without_lower_lanes(batch, results, delta, rc);
    if (rc == SQLITE_OK && !batch.acks.empty()) telemetry_shut_ = false;  // rows were freed
    complete(batch, results, rc, delta);
}

// An ack's delete can fail on its own (a damaged page under the row it
// deletes): the new rows, alarms first, must not wait for it.
int Store::retry_without_acks(Batch& batch, Results& results, TxnDelta& delta, int rc) {
    if (batch.acks.empty() || !has_rows(batch)) return rc;
    auto acks = std::exchange(batch.acks, {});
    const size_t retried = std::exchange(batch.retried_acks, 0);
    delta = TxnDelta{};
    rc = write_with_room(batch, results, delta);
    requeue_acks(acks, retried);
    return rc;
}

// A lower lane's rows can fail on their own too: evicting the oldest rows to
// make room for them reads a page damaged under those. Telemetry is let go
// first, then evidence, so that the rows above them are stored rather than
// fail with them at every write until a restart.
int Store::retry_without_lower_lanes(Batch& batch, Results& results, TxnDelta& delta, int rc) {
    for (Lane lane : {Lane::telemetry, Lane::evidence}) {
        if (rc == SQLITE_OK || sqlite::is_full(db_.get(), rc) || !has_rows_above(batch, lane))
            return rc;
        const std::string why = write_failed_text(rc);
        if (!refuse_lane(batch, results, lane, why)) continue;
        log_.error("store", "rows of a lane not stored: the lanes above it stored without them",
                   {{"lane", to_string(lane)}, {"error", why}});
        delta = TxnDelta{};
        rc = write_with_room(batch, results, delta);
    }
    return rc;
}

// Whether the batch has rows of a lane that outranks `lane`.
bool Store::has_rows_above(const Batch& batch, Lane lane) const {
    for (Lane above : kAllLanes) {
        if (above == lane) return false;
        if (!batch.lanes[index_of(above)].empty()) return true;
    }
    return false;
}

bool Store::has_rows(const Batch& batch) const {
    for (const auto& rows : batch.lanes)
        if (!rows.empty()) return true;
    return false;
}

bool Store::refuse_lane(Batch& batch, Results& results, Lane lane, const std::string& why) {
    auto& rows = batch.lanes[index_of(lane)];
    if (rows.empty()) return false;
    const std::string error =
        why.empty() ? std::string("store full: ") + to_string(lane) + " not stored" : why;
    for (auto& p : rows) p.done.set_value(fail(error));
    rows.clear();
    results[index_of(lane)].clear();
    return true;
}

void Store::refuse_telemetry_while_shut(Batch& batch, Results& results) {
    if (!telemetry_shut_ || batch.lanes[index_of(Lane::telemetry)].empty()) return;
    if (store::uncap_if_room(db_, options_)) {  // a statvfs: cheap beside a full attempt
        telemetry_shut_ = false;
        return;
    }
    refuse_lane(batch, results, Lane::telemetry);
}

// Full: free telemetry, then evidence, and try again; the batch's own
// telemetry, then evidence, is refused when there is nothing left to free.
// Alarms are refused last, and never make room for anything else.
int Store::write_with_room(Batch& batch, Results& results, TxnDelta& delta) {
    int rc = SQLITE_OK;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
        // A full disk makes one batch many transactions: each is progress.
        writer_beat_.beat(clock_.mono_ms());
        delta = TxnDelta{};
        rc = run_txn(batch, results, delta);
        if (!sqlite::is_full(db_.get(), rc)) break;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stats_.full_events += 1;
        }
        if (store::uncap_if_room(db_, options_)) continue;  // the disk has room again
        if (commit_acks(batch)) continue;                   // what they delete may be room enough
        if (store::give_up_reserve(options_.path))
            log_.warn("store", "disk full: gave up the reserve to make room",
                      {{"bytes", store::kReserveBytes}});
        const bool wal_folded = store::fold_wal(db_, options_.path);
        int64_t incoming = 0;
        for (const auto& rows : batch.lanes)
            for (const auto& p : rows) incoming += cost_of(p.topic, p.payload);
        // Telemetry makes room for its own rows once; if a second try still
        // does not fit (a full disk), they are refused rather than evicting
        // on. Rows that outrank telemetry always get its room. Telemetry
        // that could only rotate through a sliver of the store (less than
        // kChurnBatches of its own batches) is refused and shut out instead:
        // each turn of that churn is a full attempt.
        const bool first = attempt == 0;
        const bool own = !batch.lanes[index_of(Lane::telemetry)].empty();
        const bool churn = lane_bytes(Lane::telemetry) < kChurnBatches * incoming;
        if ((((first && !churn) || !own) && evict_when_full(Lane::telemetry, incoming) > 0) ||
            (first && wal_folded))
            continue;
        if (refuse_lane(batch, results, Lane::telemetry)) {
            telemetry_shut_ = churn;
            continue;
        }
        if (evict_when_full(Lane::evidence, incoming) > 0 ||
            refuse_lane(batch, results, Lane::evidence) || wal_folded)
            continue;
        break;
    }
    return rc;
}

// The acks of a batch that does not fit, in a transaction of their own:
// a store full of alarms makes room only as the center takes them.
bool Store::commit_acks(Batch& batch) {
    if (batch.acks.empty()) return false;
    TxnDelta delta;
    if (!db_.exec("BEGIN IMMEDIATE")) return false;
    if (noted(delete_acked(batch.acks, delta)) == SQLITE_OK && db_.exec("COMMIT")) {
        store::fold_wal(db_, options_.path);  // the freed pages into the file, for reuse
        apply(delta);
        batch.acks.clear();
        batch.retried_acks = 0;
        telemetry_shut_ = false;
        return true;
    }
    if (!sqlite3_get_autocommit(db_.get())) (void)db_.exec("ROLLBACK");
    return false;
}

void Store::complete(Batch& batch, Results& results, int rc, const TxnDelta& delta) {
    if (rc != SQLITE_OK) {
        const bool full = sqlite::is_full(db_.get(), rc);
        const std::string why =
            full ? "store full (database cap or disk): not stored" : write_failed_text(rc);
        const auto alarms = static_cast<int64_t>(batch.lanes[0].size());
        log_.error("store", "transaction failed", {{"error", why}, {"alarms", alarms}});
        if (full)
            refused({"store_full", alarms, 0,
                     "store is full and holds only alarms: new events are refused"});
        for (auto& lane : results)
            for (auto& r : lane) r = fail(why);
        requeue_acks(batch.acks, batch.retried_acks);  // their rows are still there
    } else {
        apply(delta);
        if (delta.rejected_alarms > 0)
            refused({"alarm_rejected", delta.rejected_alarms, delta.rejected_bytes,
                     "alarm lane full: alarms are refused"});
        for (const auto& r : results[index_of(Lane::alarm)])
            if (r.ok()) {
                alarms_stored_again();
                break;
            }
    }
    for (int l = 0; l < kLanes; ++l)
        for (size_t i = 0; i < batch.lanes[l].size(); ++i)
            batch.lanes[l][i].done.set_value(results[l][i]);
    for (auto& f : batch.flushes) f.set_value();
    if (rc == SQLITE_OK && delta.added) {
        std::lock_guard<std::mutex> lock(on_commit_mutex_);
        if (on_commit_) on_commit_();
    }
}

int Store::run_txn(Batch& batch, Results& results, TxnDelta& delta) {
    if (!db_.exec("BEGIN IMMEDIATE")) return db_.extended_errcode();
    // Acks first: the rows they delete are room for this batch. Then alarms:
    // they get the room before anything else in it.
    int rc = delete_acked(batch.acks, delta);
    auto insert_lane = [&](Lane lane) {
        const int l = index_of(lane);
        for (size_t i = 0; i < batch.lanes[l].size() && rc == SQLITE_OK; ++i)
            rc = insert(batch.lanes[l][i], delta, results[l][i]);
    };
    insert_lane(Lane::alarm);
    insert_lane(Lane::evidence);
    insert_lane(Lane::telemetry);
    if (rc == SQLITE_OK) {
        if (auto s = db_.exec("COMMIT"); s) return SQLITE_OK;
        rc = db_.extended_errcode();
    }
    if (!sqlite3_get_autocommit(db_.get())) (void)db_.exec("ROLLBACK");
    return noted(rc);
}

// Every failure of the writer passes here, those a retry gets past too (an
// ack's delete, an eviction over a damaged page): see damage_seen().
int Store::noted(int rc) {
    if (sqlite::is_corrupt(rc)) damage_seen_ = true;
    return rc;
}

int Store::delete_acked(const std::vector<std::pair<Lane, int64_t>>& acks, TxnDelta& delta) {
    for (const auto& [lane, seq] : acks) {
        const int l = index_of(lane);
        auto& del = delete_[l];
        del.bind(1, seq);
        int s = del.step();
        if (s == SQLITE_ROW) {
            delta.lane[l].rows -= 1;
            delta.lane[l].bytes -= store::row_cost(del.int_at(0));
            s = del.step();
        }
        del.reset();
        if (s != SQLITE_DONE) return s;
    }
    return SQLITE_OK;
}

int Store::insert(const Pending& p, TxnDelta& delta, Status& result) {
    const int l = index_of(p.lane);
    const int64_t cost = cost_of(p.topic, p.payload);
    const int64_t now = stats_.lane(p.lane).bytes + delta.lane[l].bytes;
    if (p.lane == Lane::alarm) {
        if (now + cost > options_.alarm_max_bytes) {
            result = fail("alarm lane full (" + std::to_string(now) + " of " +
                          std::to_string(options_.alarm_max_bytes) + " bytes): event not stored");
            delta.rejected_alarms += 1;
            delta.rejected_bytes += cost;
            return SQLITE_OK;
        }
    } else {
        const int64_t cap =
            p.lane == Lane::evidence ? options_.evidence_max_bytes : options_.telemetry_max_bytes;
        // A row its lane cannot hold at all: making room for it evicted the
        // whole lane, and it was stored over the cap all the same.
        if (cost > cap) {
            result = fail(std::string(to_string(p.lane)) + " row of " + std::to_string(cost) +
                          " bytes is larger than its lane's cap (" + std::to_string(cap) +
                          " bytes): not stored");
            return SQLITE_OK;
        }
        if (int64_t need = store::bytes_over_cap(now, cost, cap); need > 0) {
            if (int rc = evict_oldest(p.lane, need, delta); rc != SQLITE_OK) return rc;
        }
    }
    auto& ins = insert_[l];
    ins.bind(1, p.t_ms);
    ins.bind_text(2, p.topic);
    ins.bind_blob(3, p.payload);
    int rc = ins.step();
    ins.reset();
    if (rc != SQLITE_DONE) return rc;
    delta.lane[l].rows += 1;
    delta.lane[l].bytes += cost;
    delta.added = true;
    result = Status::success();
    return SQLITE_OK;
}

// Deletes the oldest rows of `lane`, at least `need` bytes, inside the open
// transaction. Reads sizes in pages of 512 rows: never the whole lane.
int Store::evict_oldest(Lane lane, int64_t need, TxnDelta& delta) {
    const int l = index_of(lane);
    auto& oldest = oldest_rows_[l];
    int64_t freed = 0, after = 0;
    while (freed < need) {
        std::vector<store::RowSize> rows;
        oldest.bind(1, after);
        int rc;
        while ((rc = oldest.step()) == SQLITE_ROW)
            rows.push_back({oldest.int_at(0), store::row_cost(oldest.int_at(1))});
        oldest.reset();
        if (rc != SQLITE_DONE) return rc;
        if (rows.empty()) break;
        auto pick = store::pick_oldest(rows, need - freed);
        auto del = db_.prepare(std::string("DELETE FROM ") + to_string(lane) +
                               " WHERE seq <= " + std::to_string(pick.last_seq));
        if (!del) return db_.extended_errcode();
        rc = del->step();
        if (rc != SQLITE_DONE) return rc;
        freed += pick.bytes;
        after = pick.last_seq;
        delta.lane[l].rows -= pick.rows;
        delta.lane[l].bytes -= pick.bytes;
        delta.evicted_rows[l] += pick.rows;
        delta.evicted_bytes[l] += pick.bytes;
    }
    return SQLITE_OK;
}

int64_t Store::lane_bytes(Lane lane) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_.lane(lane).bytes;
}

// Runs its own transaction; returns the bytes freed (0: nothing left in `lane`).
int64_t Store::evict_when_full(Lane lane, int64_t incoming) {
    const int64_t need = store::bytes_to_free_when_full(lane_bytes(lane), incoming);
    if (need <= 0) return 0;
    TxnDelta delta;
    if (!db_.exec("BEGIN IMMEDIATE")) return 0;
    int rc = noted(evict_oldest(lane, need, delta));
    if (rc == SQLITE_OK && db_.exec("COMMIT")) {
        store::fold_wal(db_, options_.path);  // the freed pages into the file, for reuse
        apply(delta);
        const int l = index_of(lane);
        log_.warn("store", std::string("database or disk full: evicted oldest ") + to_string(lane),
                  {{"rows", delta.evicted_rows[l]}, {"bytes", delta.evicted_bytes[l]}});
        return delta.evicted_bytes[l];
    }
    if (!sqlite3_get_autocommit(db_.get())) (void)db_.exec("ROLLBACK");
    return 0;
}

void Store::apply(const TxnDelta& d) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Lane lane : kAllLanes) {
        stats_.lane(lane).rows += d.lane[index_of(lane)].rows;
        stats_.lane(lane).bytes += d.lane[index_of(lane)].bytes;
    }
    const int tel = index_of(Lane::telemetry), ev = index_of(Lane::evidence);
    stats_.telemetry_evicted_rows += d.evicted_rows[tel];
    stats_.telemetry_evicted_bytes += d.evicted_bytes[tel];
    stats_.evidence_evicted_rows += d.evicted_rows[ev];
    stats_.evidence_evicted_bytes += d.evicted_bytes[ev];
    stats_.commits += 1;
    dirty_since_checkpoint_ = true;
    for (Lane lane : {Lane::evidence, Lane::telemetry}) {
        const int l = index_of(lane);
        if (d.evicted_rows[l] == 0) continue;
        // Merged into one pending notice per lane: a long outage yields one
        // report per intake poll, not one per transaction.
        const std::string type = std::string(to_string(lane)) + "_evicted";
        auto it = std::find_if(notices_.begin(), notices_.end(),
                               [&](const StoreNotice& n) { return n.type == type; });
        if (it != notices_.end()) {
            it->count += d.evicted_rows[l];
            it->bytes += d.evicted_bytes[l];
        } else {
            notices_.push_back({type, d.evicted_rows[l], d.evicted_bytes[l],
                                std::string(to_string(lane)) + " cap reached: oldest " +
                                    to_string(lane) + " evicted"});
        }
    }
}

// Acks whose transaction failed are tried once more, then let go: their
// rows stay and are sent again after the next reconnect (a duplicate, which
// the center drops by event id; never a loss). Retried for ever, a write
// that keeps failing (a damaged page, a read-only or full disk) kept the
// writer spinning at stop, so the daemon never exited, and acks_ grew with
// every PUBACK while it ran.
void Store::requeue_acks(const std::vector<std::pair<Lane, int64_t>>& acks, size_t retried) {
    retried = std::min(retried, acks.size());
    if (retried > 0)
        log_.warn("store", "acks not committed twice: their rows stay and will be sent again",
                  {{"acks", retried}});
    if (acks.size() == retried) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (acks_.empty()) acks_since_mono_ = clock_.mono_ms();
    acks_.insert(acks_.begin(), acks.begin() + static_cast<std::ptrdiff_t>(retried), acks.end());
    acks_retried_ += acks.size() - retried;
}

// A refusal is reported when it begins and, with the count of the alarms
// refused since, once an alarm is stored again; not once per refusal. Each
// report becomes an alarm event, which a full store refuses too: reported
// each time, the reports fed themselves (a failed transaction per intake
// poll, for as long as the store stayed full).
void Store::refused(StoreNotice n) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& r = refusals_[n.type];
    if (!r.open) {
        r.open = true;
        notices_.push_back(std::move(n));
        return;
    }
    r.rows += n.count;
    r.bytes += n.bytes;
}

void Store::alarms_stored_again() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [type, r] : refusals_) {
        if (r.open && r.rows > 0)
            notices_.push_back({type, r.rows, r.bytes,
                                std::to_string(r.rows) + " more alarms were refused (" + type +
                                    ") before alarms could be stored again"});
        r = Refusals{};
    }
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
    record_low_marks();
    // Idle for a second: fold the WAL back so it does not grow without bound.
    (void)db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    if (!store::uncap_if_room(db_, options_)) (void)store::take_reserve(options_.path);
}

Result<std::vector<Record>> Store::read(Lane lane, int64_t after_seq, int limit) {
    std::lock_guard<std::mutex> lock(reader_mutex_);
    auto& st = read_[index_of(lane)];
    st.bind(1, after_seq);
    st.bind(2, limit);
    std::vector<Record> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW)
        out.push_back({lane, st.int_at(0), st.int_at(1), st.text_at(2), st.text_at(3)});
    // Before reset(), which would clear the error; reset also ends the read
    // transaction, so the WAL is not pinned between reads.
    const std::string error = rc == SQLITE_DONE ? std::string() : reader_.errmsg();
    if (sqlite::is_corrupt(rc)) damage_seen_ = true;
    st.reset();
    rows_read_ += static_cast<int64_t>(out.size());
    if (!error.empty()) return fail("store read: " + error);
    return out;
}

int64_t Store::rows_read() const {
    std::lock_guard<std::mutex> lock(reader_mutex_);
    return rows_read_;
}

std::unique_ptr<store::IntegrityCheck> Store::start_integrity_check() {
    damage_seen_ = false;
    return std::make_unique<store::IntegrityCheck>(options_.path);
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
