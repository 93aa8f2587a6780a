// Store::open: the file, its recovery, the schema, the boot counter.
#include <unistd.h>
#include <algorithm>

#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>

#include "boot_counter.hpp"
#include "core/file_io.hpp"
#include "eviction.hpp"
#include "files.hpp"
#include "full_disk.hpp"
#include "schema.hpp"
#include "store.hpp"

namespace gw {
namespace {
// In `meta` while a salvage is under way: its first run has dealt with the
// side tables (cleared with the other salvaged_ keys at the end).
constexpr const char* kSideTablesKey = "salvaged_side_tables";

std::string progress_key(Lane table) {
    return std::string("salvaged_") + to_string(table);
}

std::string utc_stamp(int64_t now_ms) {
    std::time_t t = static_cast<std::time_t>(now_ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
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
    if (auto s = store::prepare_db_file(path); !s) {
        o.error = s.error();
        return o;
    }
    auto db = sqlite::Db::open(path);
    if (!db) {
        o.error = db.error();
        return o;
    }
    o.db = std::move(*db);
    auto fail_with = [&](const std::string& what) {
        o.corrupt = sqlite::is_corrupt(o.db.extended_errcode());
        o.error = what;
        return std::move(o);
    };
    auto mode = o.db.prepare("PRAGMA journal_mode=WAL");
    if (!mode) return fail_with(mode.error());
    if (mode->step() != SQLITE_ROW) return fail_with("PRAGMA journal_mode: " + o.db.errmsg());
    if (mode->text_at(0) != "wal") return fail_with("cannot switch to WAL: " + mode->text_at(0));
    *mode = sqlite::Stmt();  // finalized: an open statement would hold a read lock
    if (auto found = sqlite::quick_check(o.db)) {
        o.corrupt = found->damage;
        o.error = found->what;
        return o;
    }
    const std::string setup =
        "PRAGMA synchronous=FULL;"
        "PRAGMA journal_size_limit=16777216;"
        "PRAGMA max_page_count=" +
        std::to_string(max_pages) + ";";
    if (auto s = o.db.exec(setup); !s) return fail_with(s.error());
    return o;
}

std::string sum_cost_sql(const char* table) {
    return std::string(
               "SELECT COUNT(*), COALESCE(SUM(length(payload) + length(CAST(topic AS BLOB))),"
               " 0) FROM ") +
           table;
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options, Clock& clock, Log& log) {
    std::unique_ptr<Store> store(new Store(options, clock, log));
    if (auto s = store->init(options); !s) return fail(s.error());
    store->writer_ = std::thread([s = store.get()] { s->writer_loop(); });
    return store;
}

std::optional<std::string> Store::recovered_from() const {
    if (!recovery_) return std::nullopt;
    return recovery_->kept_as;
}

std::string Store::recovery_reason() const {
    return recovery_ ? recovery_->reason : std::string();
}

// Never a kept file's name: two damaged files found within one second (a
// board without RTC boots at the same time every time) would otherwise
// overwrite the first, with the rows no salvage could read.
std::string Store::aside_name() const {
    const std::string stamped = options_.path + ".corrupt-" + utc_stamp(clock_.now_ms());
    std::string name = stamped;
    for (int n = 2; store::exists(name) || store::exists(name + "-wal"); ++n)
        name = stamped + "-" + std::to_string(n);
    return name;
}

Status Store::init(const StoreOptions& o) {
    const int64_t pages = store::configured_pages(o);
    // A restart on a full disk needs the reserve's room to count the boot.
    store::give_up_reserve(o.path);
    const std::string boot_file =
        o.boot_file.empty() ? store::default_boot_file(o.path) : o.boot_file;
    uint64_t boot_outside = 0;
    if (auto b = store::read_boot_file(boot_file); b) {
        boot_outside = *b;
    } else {
        // The store's own copy still counts; the file is rewritten below.
        log_.error("store", "boot counter file unreadable", {{"error", b.error()}});
    }
    const auto resumed = interrupted_salvage();
    if (!resumed) check_present(boot_outside);  // the new file may be missing: not a loss
    if (auto s = open_file(pages); !s) return s;
    if (resumed && salvage_from_ && *salvage_from_ != *resumed)
        log_.error("store",
                   "the store is damaged again before an earlier salvage was done: that one is "
                   "given up, its rows not yet copied stay in the file it kept",
                   {{"given_up", *resumed}, {"salvaging", *salvage_from_}});
    if (resumed && !salvage_from_) {
        log_.error("store",
                   "a salvage was cut short (a crash, a power cut, a full disk): resuming it",
                   {{"path", o.path}, {"kept_as", *resumed}});
        StoreRecovery r;
        r.reason = "a salvage of a damaged database was cut short and is resumed";
        r.kept_as = *resumed;
        recovery_ = std::move(r);
        salvage_from_ = resumed;
    }
    if (auto s = store::ensure_schema(db_, log_); !s)
        return fail("store " + o.path + ": " + s.error());
    if (auto s = prepare_statements(); !s) return s;
    // Before the copy: older copies may be what fills the disk.
    prune_kept_copies();
    uint64_t aside_boot = 0;
    auto source = salvage_from_ ? open_salvage(*salvage_from_, aside_boot) : nullptr;
    salvage_from_.reset();
    // The boot is counted before any row is copied: a salvage that filled
    // the disk left no room to count it, and the daemon never started
    // again (each start resumed the salvage, which took whatever room
    // there was).
    if (auto s = count_boot(boot_outside, aside_boot); !s) return s;
    if (source) {
        salvage(*source);
        source.reset();
    }
    if (auto s = load_stats(); !s) return s;
    record_low_marks();

    auto reader = sqlite::Db::open(o.path);
    if (!reader) return fail(reader.error());
    reader_ = std::move(*reader);
    if (auto s = reader_.exec("PRAGMA query_only=1"); !s) return fail(s.error());
    if (auto s = prepare_reads(); !s) return s;
    // No room for the reserve: the disk is full, so the file must not grow.
    if (!store::take_reserve(o.path)) (void)store::fold_wal(db_, o.path);
    log_.info("store", "opened",
              {{"path", o.path},
               {"boot", boot_},
               {"alarm_rows", stats_.alarm.rows},
               {"evidence_rows", stats_.evidence.rows},
               {"telemetry_rows", stats_.telemetry.rows},
               {"max_pages", pages}});
    return Status::success();
}

// A store file that is missing or empty although the boot counter says one
// existed lost everything it held: say so. Leftover -wal/-shm of a missing
// file are moved aside, never replayed into the new one.
void Store::check_present(uint64_t boot_outside) {
    const auto size = store::size_of(options_.path);
    if (boot_outside == 0 || (size && *size > 0)) return;
    // A WAL beside an empty file is not replayed: SQLite deletes the WAL of
    // a database without pages. It is kept aside with the rest, reported.
    StoreRecovery r;
    r.reason = size ? "store file is empty (0 bytes)" : "store file is missing";
    for (auto& l : r.lanes) l.lost_known = false;
    if (store::exists(options_.path + "-wal") || store::exists(options_.path + "-shm")) {
        r.kept_as = aside_name();
        (void)store::move_aside(options_.path, r.kept_as);
    }
    log_.error("store", "store file lost, starting a new one; its unsent rows are lost",
               {{"path", options_.path}, {"reason", r.reason}, {"boot", boot_outside}});
    recovery_ = std::move(r);
}

Status Store::open_file(int64_t max_pages) {
    const std::string& path = options_.path;
    Opened opened = open_checked(path, max_pages);
    if (!opened.error.empty() && opened.corrupt) {
        opened.db = sqlite::Db();
        const std::string aside = aside_name();
        // Before the move: a salvage cut short (kill -9, a power cut, a start
        // timeout on a large file) is resumed from the file it names.
        if (auto s = store::write_durably(salvage_marker(), aside); !s)
            log_.error("store", "salvage marker not written: a cut-short salvage will not resume",
                       {{"error", s.error()}});
        if (auto s = store::move_aside(path, aside); !s)
            return fail("store " + path + " is damaged (" + opened.error +
                        ") and cannot be moved aside: " + s.error());
        log_.error("store", "damaged database moved aside, starting a new one",
                   {{"path", path}, {"kept_as", aside}, {"reason", opened.error}});
        StoreRecovery r;
        r.reason = opened.error;
        r.kept_as = aside;
        recovery_ = std::move(r);
        salvage_from_ = aside;
        opened = open_checked(path, max_pages);
    }
    if (!opened.error.empty()) return fail("store " + path + ": " + opened.error);
    db_ = std::move(opened.db);
    return Status::success();
}

Status Store::prepare_statements() {
    for (Lane lane : kAllLanes) {
        const int l = index_of(lane);
        const std::string t = to_string(lane);
        auto ins = db_.prepare("INSERT INTO " + t + "(t_ms, topic, payload) VALUES(?, ?, ?)");
        auto del =
            db_.prepare("DELETE FROM " + t +
                        " WHERE seq = ? RETURNING length(payload) + length(CAST(topic AS BLOB))");
        auto oldest =
            db_.prepare("SELECT seq, length(payload) + length(CAST(topic AS BLOB)) FROM " + t +
                        " WHERE seq > ? ORDER BY seq LIMIT 512");
        if (!ins || !del || !oldest)
            return fail(!ins ? ins.error() : !del ? del.error() : oldest.error());
        insert_[l] = std::move(*ins);
        delete_[l] = std::move(*del);
        oldest_rows_[l] = std::move(*oldest);
    }
    return Status::success();
}

Status Store::prepare_reads() {
    for (Lane lane : kAllLanes) {
        auto st = reader_.prepare(std::string("SELECT seq, t_ms, topic, payload FROM ") +
                                  to_string(lane) + " WHERE seq > ? ORDER BY seq LIMIT ?");
        if (!st) return fail(st.error());
        read_[index_of(lane)] = std::move(*st);
    }
    return Status::success();
}

// Copies every readable row of the damaged file into the new one, alarms
// first, in transactions of a page each. Caps are not applied: these rows
// fitted before.
//
// A salvage the new file could not take (a full disk, the page cap) keeps
// its marker: the next start resumes it where it stopped, as after a crash,
// instead of leaving the rest only in the damaged file for good.
// The damaged file kept aside, opened to be salvaged, and the boot it
// counted; null when nothing can be read from it (given up, or tried again
// at the next start).
std::unique_ptr<store::SalvageSource> Store::open_salvage(const std::string& aside,
                                                          uint64_t& aside_boot) {
    bool retry_later = false;
    auto source = store::SalvageSource::open(aside, log_, &retry_later);
    if (!source) {
        for (auto& l : recovery_->lanes) l.lost_known = false;
        if (retry_later) {
            log_.error("store",
                       "nothing salvaged yet (a full disk?): tried again at the next start",
                       {{"error", source.error()}, {"kept_as", aside}});
            (void)salvage_side_tables(nullptr);  // given up: the daemon runs on without them
            return nullptr;
        }
        log_.error("store", "nothing could be salvaged", {{"error", source.error()}});
        end_salvage();
        return nullptr;
    }
    recovery_->salvaged = true;
    aside_boot = (*source)->boot();
    return std::move(*source);
}

void Store::salvage(store::SalvageSource& source) {
    const int64_t side_rows = salvage_side_tables(&source);
    bool whole = true;
    for (Lane table : kAllLanes) {  // alarms first; a table the file cannot take ends it
        const auto done = db_.scalar("SELECT COALESCE((SELECT value FROM meta WHERE key = '" +
                                     progress_key(table) + "'), 0)");
        whole = source.read(
            table, [&](std::vector<Record>& page) { return insert_salvaged(table, page); },
            recovery_->lanes, done ? *done : 0);
        if (!whole) break;
    }
    if (whole) end_salvage();
    const auto& s = recovery_->lanes;
    log_.warn("store",
              whole ? "salvaged the damaged database"
                    : "salvage cut short: the new database took no more rows (a full disk?); "
                      "the rest is copied at the next start",
              {{"alarm_saved", s[0].saved},
               {"alarm_lost", s[0].lost},
               {"evidence_saved", s[1].saved},
               {"evidence_lost", s[1].lost},
               {"telemetry_saved", s[2].saved},
               {"telemetry_lost", s[2].lost},
               {"other_rows_saved", side_rows}});
}

// The closed loop's and the command inbox's tables, copied whole before the
// rows and at the first run of a salvage only, whatever that run could do:
// a run cut short by a full disk is resumed at a later start, after the
// daemon has run on this file, and copying them then would bring back an
// old mode, cleared incidents and commands already answered.
int64_t Store::salvage_side_tables(store::SalvageSource* source) {
    if (side_tables_tried()) return 0;
    int64_t rows = 0;
    bool whole = false;
    if (source) rows = source->copy_side_tables(db_, log_, whole);
    if (!whole)
        log_.error("store",
                   source ? "salvage: the new file did not take all of the closed loop's and the "
                            "command inbox's rows (a full disk?); the rest stays behind"
                          : "salvage: the closed loop's and the command inbox's rows stay behind "
                            "(the damaged file cannot be read yet); a later run will not bring "
                            "them back over newer ones",
                   {{"rows_copied", rows}});
    if (auto s = db_.exec("INSERT OR REPLACE INTO meta(key, value) VALUES('" +
                          std::string(kSideTablesKey) + "', 1)");
        !s)
        log_.warn("store", "salvage: side tables not marked tried", {{"error", s.error()}});
    return rows;
}

bool Store::side_tables_tried() {
    auto done =
        db_.scalar("SELECT COUNT(*) FROM meta WHERE key = '" + std::string(kSideTablesKey) + "'");
    return done && *done > 0;
}

// Each page with how far the copy of its table got, so a resumed salvage
// copies no row twice.
bool Store::insert_salvaged(Lane table, const std::vector<Record>& page) {
    if (!db_.exec("BEGIN IMMEDIATE")) return false;
    if (!db_.exec("INSERT OR REPLACE INTO meta(key, value) VALUES('" + progress_key(table) + "', " +
                  std::to_string(page.back().seq) + ")")) {
        (void)db_.exec("ROLLBACK");
        return false;
    }
    for (const auto& r : page) {
        auto& ins = insert_[index_of(r.lane)];
        ins.bind(1, r.t_ms);
        ins.bind_text(2, r.topic);
        ins.bind_blob(3, r.payload);
        const int rc = ins.step();
        ins.reset();
        if (rc != SQLITE_DONE) {
            log_.error("store", "salvage stopped: cannot write the new database",
                       {{"error", db_.errmsg()}});
            (void)db_.exec("ROLLBACK");
            return false;
        }
    }
    if (db_.exec("COMMIT")) return true;
    if (!sqlite3_get_autocommit(db_.get())) (void)db_.exec("ROLLBACK");
    return false;
}

// A card that keeps damaging the file made a full-size copy at most every
// 10 minutes (the run-time check's pace), and the disk filled with them.
// The newest kKeptCopies stay, for a technician to look at; older ones go,
// but never the copy being salvaged, this open's or the marker's. Those are
// compared as paths ("dir//store.db" is "dir/store.db"), and spared by name
// since a copy stamped on a clock not yet set sorts first though newest.
void Store::prune_kept_copies() {
    namespace fs = std::filesystem;
    const auto normal = [](const std::string& p) {
        std::error_code ec;
        return fs::absolute(p, ec).lexically_normal();
    };
    std::vector<fs::path> spared;
    if (salvage_from_) spared.push_back(normal(*salvage_from_));
    if (recovery_ && !recovery_->kept_as.empty()) spared.push_back(normal(recovery_->kept_as));
    if (std::ifstream in(salvage_marker()); in)
        if (std::string pending; std::getline(in, pending)) spared.push_back(normal(pending));
    auto kept = store::kept_copies(options_.path);
    const size_t old = kept.size() > kKeptCopies ? kept.size() - kKeptCopies : 0;
    for (size_t i = 0; i < old; ++i) {
        if (std::find(spared.begin(), spared.end(), normal(kept[i])) != spared.end()) continue;
        for (const char* suffix : {"-wal", "-shm", ""}) (void)::unlink((kept[i] + suffix).c_str());
        log_.warn("store", "older damaged copy removed: only the newest are kept",
                  {{"removed", kept[i]}, {"kept", static_cast<int64_t>(kKeptCopies)}});
    }
}

std::string Store::salvage_marker() const {
    return options_.path + ".salvaging";
}

// The damaged file a salvage cut short was copying from, if any.
std::optional<std::string> Store::interrupted_salvage() {
    std::ifstream in(salvage_marker());
    std::string aside;
    if (!in || !std::getline(in, aside) || aside.empty()) return std::nullopt;
    if (store::exists(aside)) {
        store::finish_move_aside(options_.path, aside, salvage_marker());
        return aside;
    }
    log_.warn("store", "salvage marker names a file that is gone: ignored",
              {{"marker", salvage_marker()}, {"file", aside}});
    (void)remove_durably(salvage_marker());
    return std::nullopt;
}

// The marker goes first: without it nothing resumes, and the progress rows
// left behind by a crash in between are harmless.
void Store::end_salvage() {
    if (auto s = remove_durably(salvage_marker()); !s) {
        log_.error("store", "salvage marker not removed", {{"error", s.error()}});
        return;
    }
    if (auto s = db_.exec("DELETE FROM meta WHERE key LIKE 'salvaged_%'"); !s)
        log_.warn("store", "salvage progress not cleared", {{"error", s.error()}});
}

// A folder with no count anywhere: see store::first_boot.
uint64_t Store::first_boot_here() const {
    uint64_t random = static_cast<uint64_t>(clock_.mono_ms()) ^ static_cast<uint64_t>(::getpid());
    try {
        std::random_device entropy;  // may throw where no entropy source is
        random = (uint64_t{entropy()} << 32) | entropy();
    } catch (const std::exception&) {
        // The clock and pid above: weaker, still unlikely to repeat.
    }
    return store::first_boot(clock_.now_ms(), clock_.synced(), random);
}

// boot = max(outside copy, own copy, salvaged file's) + 1, written outside
// (durably) before inside: a crash between the two leaves the outside copy
// ahead, which the next max() takes.
Status Store::count_boot(uint64_t boot_outside, uint64_t aside_boot) {
    auto inside = db_.scalar("SELECT COALESCE((SELECT value FROM meta WHERE key = 'boot'), 0)");
    if (!inside) return fail("store " + options_.path + ": " + inside.error());
    const uint64_t known = std::max({boot_outside, static_cast<uint64_t>(*inside), aside_boot});
    boot_ = known > 0 ? known + 1 : first_boot_here();
    const std::string boot_file =
        options_.boot_file.empty() ? store::default_boot_file(options_.path) : options_.boot_file;
    if (auto s = store::write_boot_file(boot_file, boot_); !s)
        return fail("store: cannot count the boot: " + s.error());
    if (auto s = db_.exec("INSERT INTO meta(key, value) VALUES('boot', " + std::to_string(boot_) +
                          ") ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        !s)
        return fail("store " + options_.path + ": cannot count the boot: " + s.error());
    return Status::success();
}

Status Store::load_stats() {
    for (Lane lane : kAllLanes) {
        auto st = db_.prepare(sum_cost_sql(to_string(lane)));
        if (!st) return fail(st.error());
        if (st->step() != SQLITE_ROW) return fail("store: " + db_.errmsg());
        LaneStats& ls = stats_.lane(lane);
        ls.rows = st->int_at(0);
        ls.bytes = st->int_at(1) + ls.rows * store::kRowOverhead;
    }
    return Status::success();
}

// Per lane, the first seq that may still be in the table. A salvage counts
// unreadable rows from here, not from seq 1.
void Store::record_low_marks() {
    std::string sql = "BEGIN IMMEDIATE;";
    for (Lane lane : kAllLanes) {
        const std::string t = to_string(lane);
        sql += "INSERT INTO meta(key, value) VALUES('low_" + t + "', (SELECT COALESCE(MIN(seq)," +
               " (SELECT seq FROM sqlite_sequence WHERE name = '" + t + "') + 1, 1) FROM " + t +
               ")) ON CONFLICT(key) DO UPDATE SET value = excluded.value;";
    }
    sql += "COMMIT;";
    if (!db_.exec(sql) && !sqlite3_get_autocommit(db_.get())) (void)db_.exec("ROLLBACK");
}

}  // namespace gw
