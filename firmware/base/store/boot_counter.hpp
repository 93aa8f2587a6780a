#pragma once
// The boot number of event ids ("<gateway>-<boot>-<seq>") must never repeat
// for the life of the gateway, whatever happens to the store file. It is kept
// twice: in the store's meta table and in a small file next to the store
// (`boot.count`), written durably before the new boot is used. A store file
// replaced, deleted or cut to 0 bytes loses one copy, not the other:
// boot = max(file, store, salvaged store) + 1.
// A data folder with no count anywhere (new, wiped or moved) starts from
// first_boot(), not from 1: nothing here remembers an earlier folder's ids.
#include <cstdint>
#include <string>

#include "core/result.hpp"

namespace gw::store {

// `boot.count` in the store file's directory.
std::string default_boot_file(const std::string& store_path);
// The number in the file; 0 when there is no file. A file that holds no
// number is an error (the caller decides whether to go on without it).
Result<uint64_t> read_boot_file(const std::string& path);
// Durably (temp file, fsync, rename, fsync of the directory), mode 0640.
Status write_boot_file(const std::string& path, uint64_t boot);

// The first boot of a folder that holds no count. A synced wall clock's
// milliseconds: an earlier folder's count grew by one per start (an
// in-process reload is a start too), and a start takes more than a
// millisecond, so it stays below the milliseconds of any later start; ids
// keep sorting by boot, and the number stays below 2^53 (exact in JSON). An
// unsynced clock proves nothing (it may read 1970 or a stale RTC): then
// `random` reduced to [1, 2^30), below every synced start, which makes a
// repeat unlikely rather than impossible.
uint64_t first_boot(int64_t wall_ms, bool synced, uint64_t random);

}  // namespace gw::store
