#pragma once
// The command inbox and id cache (issue 13), a `command` table in the
// store's SQLite file on a connection of its own. One row per request id:
//   pending  accepted from the broker, not executed yet (or interrupted by
//            a crash: executed again after the restart)
//   replied  executed, its reply kept here but not yet queued for the center
//   sent     reply queued in the store's alarm lane (delivered at least once)
// A repeated id finds its row: the first reply is sent again, nothing runs
// twice. Bounded: rows that are sent are pruned beyond the newest
// `keep_rows` and after `keep_ms`, but the newest `keep_recent` stay
// whatever their age: ages are read on the wall clock, and a gateway that
// booted days behind and is then set right by NTP would otherwise forget
// the ids the center may still be resending.
//
// Every write is committed (synchronous=FULL) before the call returns. Calls
// may come from any thread (serialised here).
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "sqlite.hpp"

namespace gw {

struct CommandRow {
    enum State { pending = 0, replied = 1, sent = 2 };
    std::string id;
    std::string name;
    std::string request;  // the request as received (JSON text)
    State state = pending;
    std::string reply;  // encoded reply, once replied
    int64_t received_ms = 0;
};

struct CommandBookLimits {
    int64_t keep_rows = 1000;
    int64_t keep_ms = 7LL * 24 * 3600 * 1000;
    int64_t keep_recent = 100;
};

class CommandBook {
  public:
    // Opens `path` (the store's file, already created by Store::open) and
    // creates the table if needed.
    static Result<std::unique_ptr<CommandBook>> open(const std::string& path,
                                                     CommandBookLimits limits = {});

    // Records a new request as pending, durably. If the id is known already,
    // nothing is written and the existing row is returned instead.
    struct Admitted {
        bool fresh = false;  // true: new, to execute; false: `existing` is its row
        CommandRow existing;
    };
    Result<Admitted> admit(const std::string& id, const std::string& name,
                           const std::string& request, int64_t now_ms);
    Status set_reply(const std::string& id, const std::string& reply);
    // Removes a request that was not carried out (busy): its id may come again.
    Status forget(const std::string& id);
    // Marks the reply as queued and prunes old rows (now_ms: their age).
    Status mark_sent(const std::string& id, int64_t now_ms);
    // Rows not yet sent, oldest first: what a restart must finish.
    Result<std::vector<CommandRow>> unfinished();
    Result<std::optional<CommandRow>> find(const std::string& id);
    Result<int64_t> count();

  private:
    explicit CommandBook(CommandBookLimits limits) : limits_(limits) {}
    Result<std::optional<CommandRow>> find_locked(const std::string& id);
    // Runs `sql` with ?1, ?2, ... bound to `params`, as text.
    Status exec_update(const char* sql, const std::vector<std::string>& params);

    CommandBookLimits limits_;
    std::mutex mutex_;
    sqlite::Db db_;
};

}  // namespace gw
