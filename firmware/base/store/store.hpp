#pragma once
// The durable store-and-forward queue: one SQLite file (WAL, synchronous=FULL)
// with three lanes, delivered in this order. Every append returns only once
// its row is committed, so an event acknowledged to its producer survives a
// crash or a power cut.
//
//   alarm      events; never evicted. If even an alarm cannot be written
//              (its cap or the disk is full), append() says so.
//   evidence   images of vision events; bounded by evidence_max_bytes,
//              oldest evicted first, evictions reported. Never takes room
//              from alarms: on a full disk it is evicted before any alarm
//              is refused.
//   telemetry  sample batches; bounded by telemetry_max_bytes, oldest evicted
//              first, evictions counted and reported through take_notices().
//
// Every row keeps its route (topic relative to {prefix}/{site}/{gateway}/,
// contract/routes.hpp), so nothing downstream looks into a payload to learn
// where it goes.
//
// One writer thread does group commit: it gathers appends for
// commit_window_ms, writes them in one transaction (alarms first), and then
// completes every producer's future. Rows are deleted only by ack(), which the
// uplink calls on PUBACK. Reads go through a second connection (WAL readers
// never block the writer) in pages, so a large backlog never sits in memory.
//
// Files are 0640 whatever the umask (files.hpp). A damaged file is moved
// aside and everything still readable in it is copied into the new one
// (salvage.hpp); the boot counter lives outside the file too
// (boot_counter.hpp), so event ids never repeat.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/liveness.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "integrity_check.hpp"
#include "record.hpp"
#include "salvage.hpp"
#include "sqlite.hpp"
#include "store_options.hpp"

namespace gw {

struct LaneStats {
    int64_t rows = 0;
    int64_t bytes = 0;  // row_cost() summed: what counts against the cap
};

struct StoreStats {
    LaneStats alarm;
    LaneStats telemetry;
    LaneStats evidence;
    // Rows evicted since open to keep a lane within its cap (alarms never
    // are). Status shows telemetry's as "evicted_rows".
    int64_t telemetry_evicted_rows = 0;
    int64_t telemetry_evicted_bytes = 0;
    int64_t evidence_evicted_rows = 0;
    int64_t evidence_evicted_bytes = 0;
    int64_t commits = 0;
    int64_t full_events = 0;  // times SQLite reported the database or disk full

    LaneStats& lane(Lane l) {
        return l == Lane::alarm ? alarm : l == Lane::evidence ? evidence : telemetry;
    }
    const LaneStats& lane(Lane l) const {
        return l == Lane::alarm ? alarm : l == Lane::evidence ? evidence : telemetry;
    }
};

// Something the store had to do on its own that the center must hear about;
// the intake turns each into an event of kind "store".
struct StoreNotice {
    // telemetry_evicted | evidence_evicted | store_full | alarm_rejected
    std::string type;
    int64_t count = 0;
    int64_t bytes = 0;
    std::string message;
};

// What open() found wrong with the file, and what it saved.
struct StoreRecovery {
    std::string reason;
    // Where the damaged file was kept; empty when there was nothing to keep
    // (a missing or empty file).
    std::string kept_as;
    // Rows copied from the damaged file into the new one, and rows lost, per
    // lane; salvaged is false when nothing could be read (lost unknown).
    bool salvaged = false;
    store::LaneSalvage lanes[kLanes];
};

class Store {
  public:
    // Opens or creates the file (mode 0640). A file that SQLite cannot read
    // or whose quick_check fails is renamed aside (path.corrupt-<UTC time>),
    // a new one is started and every readable row is copied into it; a file
    // that is missing or empty although the boot counter says a store
    // existed is reported the same way: see recovery(). Other failures
    // (permissions, no such directory) are returned as errors and nothing is
    // renamed.
    static Result<std::unique_ptr<Store>> open(const StoreOptions& options, Clock& clock, Log& log);
    ~Store();  // commits what is queued, then closes
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Incremented durably at every open, never repeated: feeds EventIdSource.
    uint64_t boot() const { return boot_; }
    const std::optional<StoreRecovery>& recovery() const { return recovery_; }
    // Where the damaged file was kept (may be empty: see StoreRecovery), and
    // why, if this open had to recover.
    std::optional<std::string> recovered_from() const;
    std::string recovery_reason() const;

    // Completes once the row is committed (or with the reason it is not).
    // Blocks only while too many appends are already queued (bounded memory).
    // `topic` is the route (contract/routes.hpp).
    std::future<Status> append_async(Lane lane, int64_t t_ms, std::string topic,
                                     std::string payload);
    // Returns once the row is durable, or the error.
    Status append(Lane lane, int64_t t_ms, std::string topic, std::string payload);
    // The row reached the center (PUBACK): delete it in the next transaction
    // (within ack_window_ms; a crash before then keeps the row, to be sent
    // again).
    void ack(Lane lane, int64_t seq);
    // Waits until everything queued so far (appends and acks) is committed.
    void flush();

    // Up to `limit` rows of `lane` with seq > after_seq, oldest first.
    Result<std::vector<Record>> read(Lane lane, int64_t after_seq, int limit);
    // Rows read() has returned since open: what delivery costs the card.
    int64_t rows_read() const;
    // t_ms of the oldest row still in `lane`, if any.
    std::optional<int64_t> oldest_t_ms(Lane lane);
    // Diagnostics (gatewayctl mqtt test): the newest row of `lane` whose
    // payload contains `text`, and whether a row is still there (rows leave
    // only on ack, i.e. PUBACK, or eviction).
    Result<std::optional<int64_t>> find_seq(Lane lane, const std::string& text);
    Result<bool> has_row(Lane lane, int64_t seq);

    StoreStats stats() const;
    // A read or a write met a damaged page (SQLITE_CORRUPT) since the
    // check at open, or since start_integrity_check().
    bool damage_seen() const { return damage_seen_; }
    // Starts the check at open again, in the background (it reads the whole
    // file): what it finds, the salvage at the next open mends.
    std::unique_ptr<store::IntegrityCheck> start_integrity_check();
    // The writer thread's heartbeat, for the watchdog. A transaction that
    // hangs (an I/O error the kernel retries forever) silences it.
    Vital writer_vital() const { return {"store.writer", &writer_beat_}; }
    std::vector<StoreNotice> take_notices();
    // Called on the writer thread after a commit that added rows; keep it
    // short (the uplink only wakes its own thread), and do not call
    // set_on_commit from it. Once set_on_commit returns, the callback it
    // replaced is not running and is never called again.
    void set_on_commit(std::function<void()> callback);

  private:
    struct Pending {
        Lane lane;
        int64_t t_ms;
        std::string topic;
        std::string payload;
        std::promise<Status> done;
    };
    struct Batch {
        std::vector<Pending> lanes[kLanes];
        std::vector<std::pair<Lane, int64_t>> acks;
        size_t retried_acks = 0;  // the first of `acks` failed once already
        std::vector<std::promise<void>> flushes;
    };
    struct TxnDelta;
    using Results = std::vector<Status>[kLanes];

    Store(const StoreOptions& options, Clock& clock, Log& log);
    // Opening (store_open.cpp).
    Status init(const StoreOptions& options);
    Status open_file(int64_t max_pages);
    void check_present(uint64_t boot_outside);
    std::string aside_name() const;
    Status prepare_statements();
    Status prepare_reads();
    std::string salvage_marker() const;
    static constexpr size_t kKeptCopies = 2;  // damaged copies kept for a technician
    void prune_kept_copies();
    std::optional<std::string> interrupted_salvage();
    std::unique_ptr<store::SalvageSource> open_salvage(const std::string& aside,
                                                       uint64_t& aside_boot);
    void salvage(store::SalvageSource& source);
    int64_t salvage_side_tables(store::SalvageSource* source);
    bool side_tables_tried();
    bool insert_salvaged(Lane table, const std::vector<Record>& page);
    void end_salvage();
    Status count_boot(uint64_t boot_outside, uint64_t aside_boot);
    uint64_t first_boot_here() const;
    Status load_stats();
    void record_low_marks();
    // Writing (store.cpp).
    void writer_loop();
    bool has_work() const;
    bool urgent() const;
    bool acks_due() const;
    std::chrono::milliseconds idle_wait() const;
    Batch take_batch();
    void write_batch(Batch& batch);
    int retry_without_acks(Batch& batch, Results& results, TxnDelta& delta, int rc);
    int retry_without_lower_lanes(Batch& batch, Results& results, TxnDelta& delta, int rc);
    bool has_rows_above(const Batch& batch, Lane lane) const;
    int write_with_room(Batch& batch, Results& results, TxnDelta& delta);
    // Fails the batch's rows of `lane` (`why`, or "store full"); false if it had none.
    bool refuse_lane(Batch& batch, Results& results, Lane lane, const std::string& why = "");
    void refuse_telemetry_while_shut(Batch& batch, Results& results);
    void complete(Batch& batch, Results& results, int rc, const TxnDelta& delta);
    int run_txn(Batch& batch, Results& results, TxnDelta& delta);
    int noted(int rc);  // sets damage_seen_ on a damaged page
    int delete_acked(const std::vector<std::pair<Lane, int64_t>>& acks, TxnDelta& delta);
    int insert(const Pending& p, TxnDelta& delta, Status& result);
    int evict_oldest(Lane lane, int64_t need, TxnDelta& delta);
    int64_t evict_when_full(Lane lane, int64_t incoming);
    int64_t lane_bytes(Lane lane) const;
    void apply(const TxnDelta& delta);
    bool commit_acks(Batch& batch);
    bool has_rows(const Batch& batch) const;
    void requeue_acks(const std::vector<std::pair<Lane, int64_t>>& acks, size_t retried);
    void refused(StoreNotice n);
    void alarms_stored_again();
    void checkpoint_if_idle();

    StoreOptions options_;
    Clock& clock_;
    Log& log_;
    sqlite::Db db_;  // writer thread only
    // Writer thread only: the store is full, too little telemetry was left
    // to make room with (write_with_room), and new telemetry was refused.
    // Until an ack deletes rows or the disk has room again, telemetry is
    // refused without a transaction: each full attempt costs WAL folds and
    // fsyncs, and a queue of telemetry behind a full store would otherwise
    // hold the writer (and alarms) for minutes.
    bool telemetry_shut_ = false;
    sqlite::Db reader_;  // read(), oldest_t_ms(): under reader_mutex_
    mutable std::mutex reader_mutex_;
    int64_t rows_read_ = 0;  // under reader_mutex_
    sqlite::Stmt insert_[kLanes], delete_[kLanes], oldest_rows_[kLanes];
    // On reader_, under reader_mutex_: the uplink reads small pages as
    // PUBACKs free its window, so preparing per read was a cost of its own.
    sqlite::Stmt read_[kLanes];

    uint64_t boot_ = 0;
    std::optional<StoreRecovery> recovery_;
    std::optional<std::string> salvage_from_;  // set while opening

    mutable std::mutex mutex_;
    std::condition_variable work_cv_;
    std::condition_variable space_cv_;
    std::deque<Pending> queued_[kLanes];
    std::vector<std::pair<Lane, int64_t>> acks_;
    int64_t acks_since_mono_ = 0;  // when the oldest of acks_ came
    size_t acks_retried_ = 0;      // the first of acks_ failed once already
    std::vector<std::promise<void>> flushes_;
    bool stop_ = false;
    StoreStats stats_;
    std::vector<StoreNotice> notices_;
    struct Refusals {
        bool open = false;            // reported; an alarm has not been stored since
        int64_t rows = 0, bytes = 0;  // refused since the report
    };
    std::map<std::string, Refusals> refusals_;
    std::mutex on_commit_mutex_;  // held while on_commit_ runs
    std::function<void()> on_commit_;
    bool dirty_since_checkpoint_ = false;
    std::atomic<bool> damage_seen_{false};  // see damage_seen()
    std::thread writer_;
    Heartbeat writer_beat_;
};

}  // namespace gw
