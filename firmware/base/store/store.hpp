#pragma once
// The durable store-and-forward queue: one SQLite file (WAL, synchronous=FULL)
// with two lanes. Every append returns only once its row is committed, so an
// event acknowledged to its producer survives a crash or a power cut.
//
//   alarm      events; never evicted. If even an alarm cannot be written
//              (its cap or the disk is full), append() says so.
//   telemetry  sample batches; bounded by telemetry_max_bytes, oldest evicted
//              first, evictions counted and reported through take_notices().
//
// One writer thread does group commit: it gathers appends for
// commit_window_ms, writes them in one transaction (alarms first), and then
// completes every producer's future. Rows are deleted only by ack(), which the
// uplink calls on PUBACK. Reads go through a second connection (WAL readers
// never block the writer) in pages, so a large backlog never sits in memory.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "sqlite.hpp"

namespace gw {

enum class Lane { alarm = 0, telemetry = 1 };
const char* to_string(Lane lane);

struct StoreOptions {
    std::string path;
    int64_t alarm_max_bytes = 256LL << 20;
    int64_t telemetry_max_bytes = 64LL << 20;
    int commit_window_ms = 5;
    // Hard page cap for the whole file; 0: derived from the two lane caps.
    // Tests set it small to exercise "database full" without filling a disk.
    int64_t max_page_count = 0;
    int max_batch = 2000;  // rows per lane per transaction
};

struct Record {
    Lane lane = Lane::alarm;
    int64_t seq = 0;
    int64_t t_ms = 0;
    std::string payload;
};

struct LaneStats {
    int64_t rows = 0;
    int64_t bytes = 0;  // row_cost() summed: what counts against the cap
};

struct StoreStats {
    LaneStats alarm;
    LaneStats telemetry;
    int64_t evicted_rows = 0;  // telemetry rows evicted since open
    int64_t evicted_bytes = 0;
    int64_t commits = 0;
    int64_t full_events = 0;  // times SQLite reported the database or disk full
};

// Something the store had to do on its own that the center must hear about;
// the intake turns each into an event of kind "store".
struct StoreNotice {
    std::string type;  // telemetry_evicted | store_full | alarm_rejected
    int64_t count = 0;
    int64_t bytes = 0;
    std::string message;
};

class Store {
  public:
    // Opens or creates the file. A file that SQLite cannot read or whose
    // quick_check fails is renamed aside (path.corrupt-<UTC time>) and a new
    // one is started: see recovered_from(). Other failures (permissions, no
    // such directory) are returned as errors and nothing is renamed.
    static Result<std::unique_ptr<Store>> open(const StoreOptions& options, Clock& clock, Log& log);
    ~Store();  // commits what is queued, then closes
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Incremented durably at every open: feeds EventIdSource.
    uint64_t boot() const { return boot_; }
    // Where the corrupt file was kept, and why, if this open had to recover.
    const std::optional<std::string>& recovered_from() const { return recovered_from_; }
    const std::string& recovery_reason() const { return recovery_reason_; }

    // Completes once the row is committed (or with the reason it is not).
    // Blocks only while too many appends are already queued (bounded memory).
    std::future<Status> append_async(Lane lane, int64_t t_ms, std::string payload);
    // Returns once the row is durable, or the error.
    Status append(Lane lane, int64_t t_ms, std::string payload);
    // The row reached the center (PUBACK): delete it in the next transaction.
    void ack(Lane lane, int64_t seq);
    // Waits until everything queued so far (appends and acks) is committed.
    void flush();

    // Up to `limit` rows of `lane` with seq > after_seq, oldest first.
    Result<std::vector<Record>> read(Lane lane, int64_t after_seq, int limit);
    // t_ms of the oldest row still in `lane`, if any.
    std::optional<int64_t> oldest_t_ms(Lane lane);
    // Diagnostics (gatewayctl mqtt test): the newest row of `lane` whose
    // payload contains `text`, and whether a row is still there (rows leave
    // only on ack, i.e. PUBACK, or telemetry eviction).
    Result<std::optional<int64_t>> find_seq(Lane lane, const std::string& text);
    Result<bool> has_row(Lane lane, int64_t seq);

    StoreStats stats() const;
    std::vector<StoreNotice> take_notices();
    // Called on the writer thread after a commit that added rows; keep it
    // short (the uplink only wakes its own thread).
    void set_on_commit(std::function<void()> callback);

  private:
    struct Pending {
        Lane lane;
        int64_t t_ms;
        std::string payload;
        std::promise<Status> done;
    };
    struct Batch {
        std::vector<Pending> alarms;
        std::vector<Pending> telemetry;
        std::vector<std::pair<Lane, int64_t>> acks;
        std::vector<std::promise<void>> flushes;
    };
    struct TxnDelta;

    Store(const StoreOptions& options, Clock& clock, Log& log);
    Status init(const StoreOptions& options);
    void writer_loop();
    bool has_work() const;
    Batch take_batch();
    void write_batch(Batch& batch);
    int run_txn(Batch& batch, std::vector<Status>& alarm_results,
                std::vector<Status>& telemetry_results, TxnDelta& delta);
    int insert(Lane lane, const Pending& p, TxnDelta& delta, Status& result);
    int evict_telemetry(int64_t need, TxnDelta& delta);
    int64_t evict_when_full(int64_t incoming);
    void apply(const TxnDelta& delta);
    void notice(StoreNotice n);
    void checkpoint_if_idle();

    StoreOptions options_;
    Clock& clock_;
    Log& log_;
    sqlite::Db db_;      // writer thread only
    sqlite::Db reader_;  // read(), oldest_t_ms(): under reader_mutex_
    std::mutex reader_mutex_;
    sqlite::Stmt insert_[2], delete_[2], oldest_rows_;

    uint64_t boot_ = 0;
    std::optional<std::string> recovered_from_;
    std::string recovery_reason_;

    mutable std::mutex mutex_;
    std::condition_variable work_cv_;
    std::condition_variable space_cv_;
    std::deque<Pending> queued_[2];
    std::vector<std::pair<Lane, int64_t>> acks_;
    std::vector<std::promise<void>> flushes_;
    bool stop_ = false;
    StoreStats stats_;
    std::vector<StoreNotice> notices_;
    std::function<void()> on_commit_;
    bool dirty_since_checkpoint_ = false;
    std::thread writer_;
};

}  // namespace gw
