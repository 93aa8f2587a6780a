#pragma once
// RAII owners for SQLite handles: a connection and a prepared statement.
// Every sqlite3* and sqlite3_stmt* in the gateway lives inside one of these.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace gw::sqlite {

struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

class Stmt;

class Db {
  public:
    Db() = default;
    // Opens (creating if needed) the file; the handle is closed on destruction.
    // read_only: never creates or writes it (a damaged file being salvaged).
    static Result<Db> open(const std::string& path, bool read_only = false);

    sqlite3* get() const { return db_.get(); }
    explicit operator bool() const { return db_ != nullptr; }
    // Runs statements without results; the error names the SQL.
    Status exec(const std::string& sql);
    Result<Stmt> prepare(const std::string& sql);
    // A single integer from a one-row query (PRAGMA page_size, COUNT(*), ...).
    Result<int64_t> scalar(const std::string& sql);
    std::string errmsg() const;
    int extended_errcode() const;

  private:
    std::unique_ptr<sqlite3, DbCloser> db_;
};

class Stmt {
  public:
    Stmt() = default;
    explicit Stmt(sqlite3_stmt* s) : s_(s) {}
    sqlite3_stmt* get() const { return s_.get(); }
    // Returns SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return sqlite3_step(s_.get()); }
    void reset() {
        sqlite3_reset(s_.get());
        sqlite3_clear_bindings(s_.get());
    }
    void bind(int i, int64_t v) { sqlite3_bind_int64(s_.get(), i, v); }
    void bind_text(int i, const std::string& v) {
        sqlite3_bind_text(s_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    }
    void bind_blob(int i, const std::string& v) {
        sqlite3_bind_blob(s_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    }
    int64_t int_at(int col) const { return sqlite3_column_int64(s_.get(), col); }
    std::string text_at(int col) const;

  private:
    std::unique_ptr<sqlite3_stmt, StmtFinalizer> s_;
};

// True for the result codes that mean "no space": the page cap
// (max_page_count) or the disk itself (ENOSPC surfaces as SQLITE_FULL, or as
// an I/O error whose system errno is ENOSPC).
bool is_full(sqlite3* db, int rc);
// True for the result codes that mean the file is damaged, an unreadable
// sector (SQLITE_IOERR_READ) among them.
bool is_corrupt(int rc);

// What PRAGMA quick_check found wrong with the file, or why it could not
// run (`damage`: SQLite called the file damaged); none if it is "ok".
struct CheckFinding {
    std::string what;
    bool damage = false;
};
std::optional<CheckFinding> quick_check(Db& db);

}  // namespace gw::sqlite
