#include "command_book.hpp"

#include <memory>

namespace gw {
namespace {

constexpr const char* kCreate =
    "CREATE TABLE IF NOT EXISTS command ("
    " id TEXT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " request TEXT NOT NULL,"
    " state INTEGER NOT NULL,"
    " reply TEXT NOT NULL DEFAULT '',"
    " received_ms INTEGER NOT NULL,"
    " seq INTEGER NOT NULL)";

constexpr const char* kColumns = "id, name, request, state, reply, received_ms";

CommandRow row_of(const sqlite::Stmt& s) {
    CommandRow r;
    r.id = s.text_at(0);
    r.name = s.text_at(1);
    r.request = s.text_at(2);
    r.state = static_cast<CommandRow::State>(s.int_at(3));
    r.reply = s.text_at(4);
    r.received_ms = s.int_at(5);
    return r;
}

}  // namespace

Result<std::unique_ptr<CommandBook>> CommandBook::open(const std::string& path,
                                                       CommandBookLimits limits) {
    auto db = sqlite::Db::open(path);
    if (!db) return fail("command inbox: " + db.error());
    std::unique_ptr<CommandBook> book(new CommandBook(limits));
    book->db_ = std::move(*db);
    // The store has put the file in WAL mode; synchronous is per connection.
    if (auto s = book->db_.exec(std::string("PRAGMA synchronous=FULL;") + kCreate); !s)
        return fail("command inbox: " + s.error());
    return book;
}

Result<std::optional<CommandRow>> CommandBook::find_locked(const std::string& id) {
    auto st = db_.prepare(std::string("SELECT ") + kColumns + " FROM command WHERE id = ?");
    if (!st) return fail(st.error());
    st->bind_text(1, id);
    const int rc = st->step();
    if (rc == SQLITE_DONE) return std::optional<CommandRow>();
    if (rc != SQLITE_ROW) return fail("command inbox: " + db_.errmsg());
    return std::optional<CommandRow>(row_of(*st));
}

Result<std::optional<CommandRow>> CommandBook::find(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return find_locked(id);
}

Result<CommandBook::Admitted> CommandBook::admit(const std::string& id, const std::string& name,
                                                 const std::string& request, int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto st = db_.prepare(
        "INSERT OR IGNORE INTO command (id, name, request, state, received_ms, seq) "
        "VALUES (?, ?, ?, 0, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM command))");
    if (!st) return fail(st.error());
    st->bind_text(1, id);
    st->bind_text(2, name);
    st->bind_text(3, request);
    st->bind(4, now_ms);
    if (st->step() != SQLITE_DONE) return fail("command inbox: " + db_.errmsg());
    Admitted a;
    if (sqlite3_changes(db_.get()) == 1) {
        a.fresh = true;
        return a;
    }
    auto row = find_locked(id);
    if (!row) return fail(row.error());
    if (!*row) return fail("command inbox: id " + id + " neither new nor found");
    a.existing = std::move(**row);
    return a;
}

Status CommandBook::exec_update(const char* sql, const std::vector<std::string>& params) {
    auto st = db_.prepare(sql);
    if (!st) return fail(st.error());
    for (size_t i = 0; i < params.size(); ++i) st->bind_text(static_cast<int>(i) + 1, params[i]);
    if (st->step() != SQLITE_DONE) return fail("command inbox: " + db_.errmsg());
    return Status::success();
}

Status CommandBook::set_reply(const std::string& id, const std::string& reply) {
    std::lock_guard<std::mutex> lock(mutex_);
    return exec_update("UPDATE command SET state = 1, reply = ?1 WHERE id = ?2", {reply, id});
}

Status CommandBook::forget(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return exec_update("DELETE FROM command WHERE id = ?1", {id});
}

Status CommandBook::mark_sent(const std::string& id, int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto s = exec_update("UPDATE command SET state = 2 WHERE id = ?1", {id}); !s) return s;
    // Bounded: only finished rows go, the newest keep_rows of them stay
    // unless older than keep_ms, and the newest keep_recent stay in any case.
    auto prune = db_.prepare(
        "DELETE FROM command WHERE state = 2 AND ("
        "(received_ms < ?1 AND seq <= (SELECT COALESCE(MAX(seq), 0) FROM command) - ?3) OR "
        "seq <= (SELECT COALESCE(MAX(seq), 0) FROM command) - ?2)");
    if (!prune) return fail(prune.error());
    prune->bind(1, now_ms - limits_.keep_ms);
    prune->bind(2, limits_.keep_rows);
    prune->bind(3, limits_.keep_recent);
    if (prune->step() != SQLITE_DONE) return fail("command inbox: " + db_.errmsg());
    return Status::success();
}

Result<std::vector<CommandRow>> CommandBook::unfinished() {
    std::lock_guard<std::mutex> lock(mutex_);
    auto st = db_.prepare(std::string("SELECT ") + kColumns +
                          " FROM command WHERE state < 2 ORDER BY seq");
    if (!st) return fail(st.error());
    std::vector<CommandRow> rows;
    int rc;
    while ((rc = st->step()) == SQLITE_ROW) rows.push_back(row_of(*st));
    if (rc != SQLITE_DONE) return fail("command inbox: " + db_.errmsg());
    return rows;
}

Result<int64_t> CommandBook::count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return db_.scalar("SELECT COUNT(*) FROM command");
}

}  // namespace gw
