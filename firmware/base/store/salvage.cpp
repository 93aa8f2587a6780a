#include "salvage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/unique_fd.hpp"
#include "files.hpp"
#include "schema.hpp"

namespace gw::store {
namespace {

constexpr int kPageRows = 256;
constexpr int kLinearProbes = 64;  // a damaged leaf page holds at most a few dozen rows
constexpr int64_t kUnknown = -1;

bool readable(sqlite::Db& db) {
    auto n = db.scalar("SELECT COUNT(*) FROM sqlite_master");
    return n.ok();
}

// The 100-byte header of a store file, rebuilt from what every store file
// has (WAL, UTF-8, schema format 4); the page size is kept if it is
// plausible. The database size is left 0: SQLite takes it from the file.
void rebuild_header(unsigned char (&h)[100]) {
    unsigned page = static_cast<unsigned>(h[16]) << 8 | h[17];
    if (page == 1) page = 65536;
    if (page < 512 || page > 65536 || (page & (page - 1)) != 0) page = 4096;
    std::memset(h, 0, sizeof h);
    std::memcpy(h, "SQLite format 3", 16);
    h[16] = static_cast<unsigned char>(page == 65536 ? 0 : page >> 8);
    h[17] = static_cast<unsigned char>(page == 65536 ? 1 : page & 0xff);
    h[18] = h[19] = 2;  // WAL
    h[21] = 64;
    h[22] = h[23] = 32;
    h[27] = 1;  // change counter
    h[43] = 1;  // schema cookie
    h[47] = 4;  // schema format
    h[59] = 1;  // UTF-8
    h[95] = 1;  // version-valid-for: matches the change counter
    const uint32_t version = SQLITE_VERSION_NUMBER;
    for (int i = 0; i < 4; ++i) h[96 + i] = static_cast<unsigned char>(version >> (24 - 8 * i));
}

Status repair_copy(const std::string& path, const std::string& copy) {
    if (auto s = copy_file(path, copy); !s) return s;
    if (exists(path + "-wal"))
        if (auto s = copy_file(path + "-wal", copy + "-wal"); !s) return s;
    UniqueFd fd(::open(copy.c_str(), O_RDWR | O_CLOEXEC));
    unsigned char h[100] = {};
    if (!fd || ::pread(fd.get(), h, sizeof h, 0) < 0) return fail("cannot read " + copy);
    rebuild_header(h);
    if (::pwrite(fd.get(), h, sizeof h, 0) != static_cast<ssize_t>(sizeof h))
        return fail("cannot write " + copy);
    return Status::success();
}

void remove_copy(const std::string& copy) {
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((copy + suffix).c_str());
}

int64_t meta_value(sqlite::Db& db, const std::string& key) {
    auto v = db.scalar("SELECT value FROM meta WHERE key = '" + key + "'");
    return v ? *v : 0;
}

// The highest seq the table ever gave out; kUnknown if it cannot be read.
int64_t high_water(sqlite::Db& db, const std::string& table) {
    auto v = db.scalar("SELECT seq FROM sqlite_sequence WHERE name = '" + table + "'");
    if (v) return *v;
    v = db.scalar("SELECT COALESCE(MAX(seq), 0) FROM " + table);
    return v ? *v : kUnknown;
}

bool has_column(sqlite::Db& db, const std::string& table, const std::string& column, bool& ok) {
    auto st = db.prepare("SELECT COUNT(*) FROM pragma_table_info('" + table + "') WHERE name = '" +
                         column + "'");
    ok = st.ok() && st->step() == SQLITE_ROW;
    return ok && st->int_at(0) > 0;
}

}  // namespace

struct SalvageSource::Skip {
    int64_t from = 0;  // read on from here
    int64_t lost = 0;
    bool known = true;
    bool end = false;  // nothing readable behind the damage
};

Result<std::unique_ptr<SalvageSource>> SalvageSource::open(const std::string& path, Log& log,
                                                           bool* retry_later) {
    auto db = sqlite::Db::open(path, true);
    if (db && readable(*db))
        return std::unique_ptr<SalvageSource>(new SalvageSource(std::move(*db), {}));
    const std::string copy = path + ".salvage";
    if (auto s = repair_copy(path, copy); !s) {
        const int why = errno;  // before remove_copy's unlinks
        remove_copy(copy);
        if (retry_later) *retry_later = why == ENOSPC || why == EDQUOT;
        return fail("cannot salvage " + path + ": " + s.error());
    }
    auto repaired = sqlite::Db::open(copy, true);
    if (!repaired || !readable(*repaired)) {
        repaired = sqlite::Db();
        remove_copy(copy);
        return fail("cannot salvage " + path + ": not readable even with a rebuilt header");
    }
    log.warn("store", "damaged header: salvaging from a copy with a rebuilt header",
             {{"path", path}});
    return std::unique_ptr<SalvageSource>(new SalvageSource(std::move(*repaired), copy));
}

SalvageSource::~SalvageSource() {
    db_ = sqlite::Db();
    if (!copy_.empty()) remove_copy(copy_);
}

uint64_t SalvageSource::boot() {
    return static_cast<uint64_t>(std::max<int64_t>(0, meta_value(db_, "boot")));
}

// SQLITE_ROW (next = the first seq >= from), SQLITE_DONE (none), or an error.
// ">=" matters: SQLite seeks to `from` itself, so reading can start right
// behind a damaged page (a seek to "> q" would land on the page holding q).
int SalvageSource::probe(const std::string& table, int64_t from, int64_t& next) {
    auto st = db_.prepare("SELECT seq FROM " + table + " WHERE seq >= ? ORDER BY seq LIMIT 1");
    if (!st) return SQLITE_CORRUPT;
    st->bind(1, from);
    int rc = st->step();
    if (rc == SQLITE_ROW) next = st->int_at(0);
    return rc;
}

// Reading from `from` failed. Either the next row is damaged (its seq still
// reads: skip it), or a page is: find the smallest X > from from which
// reading works again; the seqs in between are lost.
SalvageSource::Skip SalvageSource::skip_damage(const std::string& table, int64_t from,
                                               int64_t high) {
    int64_t next = 0;
    int rc = probe(table, from, next);
    if (rc == SQLITE_ROW) return {next + 1, 1, true, false};
    if (rc == SQLITE_DONE) return {from, 0, true, true};
    auto works = [&](int64_t x) {
        int r = probe(table, x, next);
        return r == SQLITE_ROW || r == SQLITE_DONE;
    };
    auto past_high = [&](int64_t x) { return high != kUnknown && x > high; };
    int64_t failed = from, found = 0;
    for (int64_t k = 1; k <= kLinearProbes && !found; ++k) {
        if (past_high(from + k)) break;
        if (works(from + k)) found = from + k;
    }
    if (!found && !past_high(from + kLinearProbes)) {
        failed = from + kLinearProbes;
        for (int64_t step = 2 * kLinearProbes; step < (int64_t{1} << 62); step *= 2) {
            // Never past the table's end, but the end itself is tried: the
            // step that leapt past it gave up on the readable rows behind a
            // wide damage (a run of bad pages), and counted them lost.
            const int64_t at = past_high(from + step) ? high : from + step;
            if (at <= failed) break;
            if (works(at)) {
                found = at;
                break;
            }
            failed = at;
        }
        // The smallest X in (failed, found] that reads again.
        while (found && found - failed > 1) {
            const int64_t mid = failed + (found - failed) / 2;
            (works(mid) ? found : failed) = mid;
        }
    }
    if (found) return {found, found - from, true, false};
    if (high != kUnknown) return {high + 1, std::max<int64_t>(0, high - from + 1), true, true};
    return {from, 0, false, true};
}

bool SalvageSource::read(Lane lane, const Sink& sink, LaneSalvage (&counts)[kLanes],
                         int64_t after_seq) {
    const std::string table = to_string(lane);
    LaneSalvage& own = counts[index_of(lane)];
    bool ok = false;
    const bool routed = has_column(db_, table, "topic", ok);
    if (!ok) {
        own.lost_known = false;  // not even the table's columns read
        return true;
    }
    auto exists_n = db_.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = '" + table + "'");
    if (!exists_n || *exists_n == 0) return true;  // a schema-1 file has no evidence table
    const int64_t high = high_water(db_, table);
    int64_t from = std::max<int64_t>({1, meta_value(db_, "low_" + table), after_seq + 1});
    auto st =
        db_.prepare("SELECT seq, t_ms, payload" + std::string(routed ? ", topic" : "") + " FROM " +
                    table + " WHERE seq >= ? ORDER BY seq LIMIT " + std::to_string(kPageRows));
    if (!st) {
        own.lost_known = false;
        return true;
    }
    for (;;) {
        std::vector<Record> page;
        st->bind(1, from);
        int rc, stepped = 0;
        while ((rc = st->step()) == SQLITE_ROW) {
            ++stepped;
            Record r{lane, st->int_at(0), st->int_at(1), {}, st->text_at(2)};
            from = r.seq + 1;
            // Every payload the gateway writes is JSON: one that is not was
            // damaged where SQLite does not look (inside an overflow page).
            if (!nlohmann::json::accept(r.payload)) {
                own.lost += 1;
                continue;
            }
            if (routed) {
                r.topic = st->text_at(3);
            } else {
                Route route = schema1_route(table, r.payload);
                r.lane = route.lane;
                r.topic = std::move(route.topic);
            }
            page.push_back(std::move(r));
        }
        st->reset();
        if (!page.empty()) {
            std::vector<int64_t> per_lane(kLanes, 0);
            for (const auto& r : page) per_lane[index_of(r.lane)] += 1;
            if (!sink(page)) {
                own.lost_known = false;
                return false;
            }
            for (int l = 0; l < kLanes; ++l) counts[l].saved += per_lane[l];
        }
        if (rc == SQLITE_DONE) {
            if (stepped == kPageRows) continue;
            return true;
        }
        Skip skip = skip_damage(table, from, high);
        own.lost += skip.lost;
        own.lost_known = own.lost_known && skip.known;
        if (skip.end) return true;
        from = skip.from;
    }
}

namespace {

bool is_store_table(const std::string& name) {
    return lane_from_string(name) || name == "meta" || name.rfind("sqlite_", 0) == 0;
}

// What a damaged file says about a table is only trusted when it looks like
// what this program writes: a plain name, one CREATE TABLE statement.
bool plausible_table(const std::string& name, const std::string& sql) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return sql.rfind("CREATE TABLE", 0) == 0 && sql.find(';') == std::string::npos;
}

// Every readable row of `table` from `from` into the same table of `into`,
// as one transaction; a read error ends the table (its rows so far are
// kept). `written` turns false when `into` refused a row or the commit.
int64_t copy_table(sqlite::Db& from, sqlite::Db& into, const std::string& table, Log& log,
                   bool& written) {
    auto read = from.prepare("SELECT * FROM \"" + table + "\"");
    if (!read) return 0;
    const int columns = sqlite3_column_count(read->get());
    std::string marks;
    for (int i = 0; i < columns; ++i) marks += i ? ",?" : "?";
    auto write = into.prepare("INSERT OR REPLACE INTO \"" + table + "\" VALUES(" + marks + ")");
    if (!write || !into.exec("BEGIN IMMEDIATE")) {
        written = false;
        return 0;
    }
    int64_t rows = 0;
    int rc;
    while ((rc = read->step()) == SQLITE_ROW) {
        for (int i = 0; i < columns; ++i)
            sqlite3_bind_value(write->get(), i + 1, sqlite3_column_value(read->get(), i));
        if (write->step() != SQLITE_DONE) {
            written = false;
            break;
        }
        write->reset();
        ++rows;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        log.warn("store", "salvage: a side table is damaged, its readable rows kept",
                 {{"table", table}, {"rows", rows}});
    if (!into.exec("COMMIT")) {
        (void)into.exec("ROLLBACK");
        written = false;
        return 0;
    }
    return rows;
}

}  // namespace

int64_t SalvageSource::copy_side_tables(sqlite::Db& into, Log& log, bool& whole) {
    whole = true;
    auto list = db_.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table'");
    if (!list) return 0;
    std::vector<std::pair<std::string, std::string>> tables;
    while (list->step() == SQLITE_ROW)
        if (!is_store_table(list->text_at(0)) &&
            plausible_table(list->text_at(0), list->text_at(1)))
            tables.emplace_back(list->text_at(0), list->text_at(1));
    int64_t rows = 0;
    for (const auto& [name, sql] : tables) {
        auto present = into.scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
            "name = '" +
            name + "'");
        if (!present || (*present == 0 && !into.exec(sql))) {
            log.warn("store", "salvage: a side table could not be created", {{"table", name}});
            whole = false;
            continue;
        }
        rows += copy_table(db_, into, name, log, whole);
    }
    return rows;
}

}  // namespace gw::store
