#pragma once
// Where the closed loop (incident book, mode controller) keeps its state so
// that it survives restarts: small records by key. The gateway keeps them in
// a table of the store's own SQLite file (SqliteStateTable); unit tests of
// the pure logic use MemoryStateTable.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "store/sqlite.hpp"

namespace gw::loop {

class StateTable {
  public:
    virtual ~StateTable() = default;
    // Durable when it returns (insert or replace).
    virtual Status put(const std::string& key, const std::string& value) = 0;
    virtual Status erase(const std::string& key) = 0;
    virtual Result<std::vector<std::pair<std::string, std::string>>> all() = 0;
};

class MemoryStateTable final : public StateTable {
  public:
    Status put(const std::string& key, const std::string& value) override {
        rows_[key] = value;
        return Status::success();
    }
    Status erase(const std::string& key) override {
        rows_.erase(key);
        return Status::success();
    }
    Result<std::vector<std::pair<std::string, std::string>>> all() override {
        return std::vector<std::pair<std::string, std::string>>(rows_.begin(), rows_.end());
    }

  private:
    std::map<std::string, std::string> rows_;
};

// A table `name(key TEXT PRIMARY KEY, value TEXT)` in the SQLite file at
// `path` (the store's), on a connection of its own: the store's writer and
// this one take turns through SQLite's locks (busy timeout), WAL keeps
// readers apart. Created when missing; the store's own tables are untouched.
class SqliteStateTable final : public StateTable {
  public:
    static Result<std::unique_ptr<SqliteStateTable>> open(const std::string& path,
                                                          const std::string& name);
    Status put(const std::string& key, const std::string& value) override;
    Status erase(const std::string& key) override;
    Result<std::vector<std::pair<std::string, std::string>>> all() override;

  private:
    SqliteStateTable(sqlite::Db db, std::string name)
        : db_(std::move(db)), name_(std::move(name)) {}
    Status run(const std::string& sql, const std::string& key, const std::string* value);

    sqlite::Db db_;
    std::string name_;
};

}  // namespace gw::loop
