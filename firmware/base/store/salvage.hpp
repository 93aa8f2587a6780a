#pragma once
// Reads what can still be read from a damaged store file, so that one bad
// page costs the rows on that page and not the whole backlog. Never writes
// to the damaged file: it is opened read-only; if SQLite cannot even read its
// header, a copy with a rebuilt header is read instead (and removed after).
//
// A table is read in pages of rows, oldest first. Where a read fails, the
// reader probes forward (seq >= X, smallest X that reads again) and carries
// on behind the damage; the sequence numbers it had to skip are counted as
// lost. Rows are never deleted out of order except by acknowledgement, so
// that count is the unsent rows the damage took, at most a few more when
// the center had acknowledged some of them out of order.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "core/result.hpp"
#include "record.hpp"
#include "sqlite.hpp"

namespace gw::store {

struct LaneSalvage {
    int64_t saved = 0;
    int64_t lost = 0;        // sequence numbers in stretches that could not be read
    bool lost_known = true;  // false: how much a stretch held is not known
};

class SalvageSource {
  public:
    // `retry_later` (if given) is set when it failed for want of room for
    // the copy with a rebuilt header (ENOSPC, EDQUOT), not for the file
    // itself (unreadable: EIO, EACCES) or anything else.
    static Result<std::unique_ptr<SalvageSource>> open(const std::string& path, Log& log,
                                                       bool* retry_later = nullptr);
    ~SalvageSource();
    SalvageSource(const SalvageSource&) = delete;
    SalvageSource& operator=(const SalvageSource&) = delete;

    // The boot counter the file held; 0 if it cannot be read.
    uint64_t boot();
    // Gives every readable row of `table` (alarm, evidence or telemetry; a
    // schema-1 file has no evidence table) to `sink` in pages, oldest first,
    // with lane and route set. `sink` returns false to stop (the store is
    // full): read() then returns false, and what is left counts as lost,
    // amount unknown, unless a later run resumes it. Counts go to the row's
    // lane; rows that could not be read count against the table's.
    // `after_seq`: rows up to it were given in an earlier run (resumed).
    using Sink = std::function<bool(std::vector<Record>& page)>;
    bool read(Lane table, const Sink& sink, LaneSalvage (&counts)[kLanes], int64_t after_seq = 0);
    // The tables other parts keep in the store's file (the closed loop's
    // incidents and mode, the command inbox): small, so copied whole into
    // `into`, created there as they were, every readable row. A damaged store
    // then forgets neither an emergency mode nor the acks and request ids it
    // had recorded. Returns the rows copied; `whole` says whether `into`
    // took them all (a full disk may refuse some).
    int64_t copy_side_tables(sqlite::Db& into, Log& log, bool& whole);

  private:
    SalvageSource(sqlite::Db db, std::string copy) : db_(std::move(db)), copy_(std::move(copy)) {}
    struct Skip;
    Skip skip_damage(const std::string& table, int64_t from, int64_t high);
    int probe(const std::string& table, int64_t from, int64_t& next);

    sqlite::Db db_;
    std::string copy_;  // the repaired copy to remove, if one was made
};

}  // namespace gw::store
