#pragma once
// A full disk (ENOSPC, not the page cap) needs two things: room for WAL
// frames, since even a DELETE writes some, and a database file that stops
// growing, since WAL pages beyond its end can only be checkpointed by
// growing it. So the store holds a reserve file (`<store>-reserve`) that it
// gives up when the disk is full, and caps the file at its size until there
// is room again: eviction's freed pages are reused instead.
#include <cstdint>
#include <string>

#include "sqlite.hpp"

namespace gw {
struct StoreOptions;
}

namespace gw::store {

constexpr int64_t kPageSize = 4096;
constexpr int64_t kReserveBytes = 4 << 20;

std::string reserve_path(const std::string& db);
// True if there was a reserve to give up.
bool give_up_reserve(const std::string& db);
// True once the reserve is in place; taken only with room to spare, so the
// reserve is never what fills the disk.
bool take_reserve(const std::string& db);

// The page cap the options ask for: max_page_count, or twice the lane caps.
int64_t configured_pages(const StoreOptions& o);

// Folds the WAL into the file and caps the file at the size it has; pages
// freed later are reused instead of growing it. True if the WAL gave back
// space.
bool fold_wal(sqlite::Db& db, const std::string& path);
// A file capped at its size by a full disk gets its configured cap back once
// the disk has room for the reserve again. True if it did.
bool uncap_if_room(sqlite::Db& db, const StoreOptions& o);

}  // namespace gw::store
