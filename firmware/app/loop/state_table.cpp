#include "state_table.hpp"

namespace gw::loop {

Result<std::unique_ptr<SqliteStateTable>> SqliteStateTable::open(const std::string& path,
                                                                 const std::string& name) {
    auto db = sqlite::Db::open(path);
    if (!db) return fail(db.error());
    // The store's file is synchronous=FULL; so is what the loop records
    // (an ack must survive a power cut like the events do).
    if (auto s = db->exec("PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS " + name +
                          "(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;");
        !s)
        return fail(s.error());
    return std::unique_ptr<SqliteStateTable>(new SqliteStateTable(std::move(*db), name));
}

Status SqliteStateTable::run(const std::string& sql, const std::string& key,
                             const std::string* value) {
    auto st = db_.prepare(sql);
    if (!st) return fail(st.error());
    st->bind_text(1, key);
    if (value) st->bind_text(2, *value);
    if (st->step() != SQLITE_DONE) return fail(name_ + ": " + db_.errmsg());
    return Status::success();
}

Status SqliteStateTable::put(const std::string& key, const std::string& value) {
    return run("INSERT OR REPLACE INTO " + name_ + "(key, value) VALUES(?, ?)", key, &value);
}

Status SqliteStateTable::erase(const std::string& key) {
    return run("DELETE FROM " + name_ + " WHERE key = ?", key, nullptr);
}

Result<std::vector<std::pair<std::string, std::string>>> SqliteStateTable::all() {
    auto st = db_.prepare("SELECT key, value FROM " + name_ + " ORDER BY key");
    if (!st) return fail(st.error());
    std::vector<std::pair<std::string, std::string>> rows;
    int rc;
    while ((rc = st->step()) == SQLITE_ROW) rows.emplace_back(st->text_at(0), st->text_at(1));
    if (rc != SQLITE_DONE) return fail(name_ + ": " + db_.errmsg());
    return rows;
}

}  // namespace gw::loop
