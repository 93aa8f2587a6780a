#include "sqlite.hpp"

#include <cerrno>

namespace gw::sqlite {

Result<Db> Db::open(const std::string& path, bool read_only) {
    sqlite3* raw = nullptr;
    const int flags =
        (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
        SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Db db;
    db.db_.reset(raw);  // closed even when open failed: sqlite3_open_v2 may allocate
    if (rc != SQLITE_OK) {
        return fail("cannot open " + path + ": " +
                    (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(raw, 1);
    // Another connection (the uplink's reader) may hold a lock for a moment.
    sqlite3_busy_timeout(raw, 5000);
    return db;
}

Status Db::exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
    if (rc == SQLITE_OK) return Status::success();
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return fail(sql + ": " + msg);
}

Result<Stmt> Db::prepare(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(s);
        return fail(sql + ": " + errmsg());
    }
    return Stmt(s);
}

Result<int64_t> Db::scalar(const std::string& sql) {
    auto st = prepare(sql);
    if (!st) return fail(st.error());
    int rc = st->step();
    if (rc != SQLITE_ROW) return fail(sql + ": " + (rc == SQLITE_DONE ? "no row" : errmsg()));
    return st->int_at(0);
}

std::string Db::errmsg() const {
    return db_ ? sqlite3_errmsg(db_.get()) : "no database";
}
int Db::extended_errcode() const {
    return db_ ? sqlite3_extended_errcode(db_.get()) : SQLITE_ERROR;
}

std::string Stmt::text_at(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(s_.get(), col));
    int n = sqlite3_column_bytes(s_.get(), col);
    return p ? std::string(p, static_cast<size_t>(n)) : std::string();
}

bool is_corrupt(int rc) {
    // An unreadable sector (EIO, the way SD cards fail): its page is as lost
    // as a garbled one, and a salvage copies around it as around damage.
    // Taken for an error only, a read that met one at run time started no
    // check, and the rows behind it were retried for ever.
    if (rc == SQLITE_IOERR_READ) return true;
    rc &= 0xff;
    return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT;
}

std::optional<CheckFinding> quick_check(Db& db) {
    auto qc = db.prepare("PRAGMA quick_check");
    if (!qc) return CheckFinding{qc.error(), is_corrupt(db.extended_errcode())};
    if (qc->step() != SQLITE_ROW)
        return CheckFinding{"quick_check: " + db.errmsg(), is_corrupt(db.extended_errcode())};
    if (qc->text_at(0) == "ok") return std::nullopt;
    return CheckFinding{"quick_check: " + qc->text_at(0), true};
}

bool is_full(sqlite3* db, int rc) {
    if ((rc & 0xff) == SQLITE_FULL) return true;
    return (rc & 0xff) == SQLITE_IOERR && db && sqlite3_system_errno(db) == ENOSPC;
}

}  // namespace gw::sqlite
