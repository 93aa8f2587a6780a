#pragma once
// The store's files on disk: created and kept at mode 0640 whatever the
// umask (SQLite gives its -wal and -shm the main file's mode), moved aside
// when damaged, and small files written so that a power cut leaves either the
// old or the new content.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace gw::store {

constexpr mode_t kFileMode = 0640;

bool exists(const std::string& path);
// Size in bytes, or nothing if the file does not exist.
std::optional<off_t> size_of(const std::string& path);

// Creates the database file if missing, and sets it and any -wal/-shm next to
// it to kFileMode (files of an earlier version may be 0644).
Status prepare_db_file(const std::string& path);
// Renames the file and its -wal/-shm to `aside` (+ the same suffixes), at
// kFileMode. Fails only if the main file exists and cannot be renamed.
Status move_aside(const std::string& path, const std::string& aside);
// After a crash between move_aside's renames: the -wal/-shm left behind
// with no file at `path` go to `aside` too. A new file at `path` would
// otherwise find the damaged file's WAL beside it (SQLite deletes the WAL
// of a database without pages), and the rows only in it were lost unseen.
// Only files not written since `marker` (written before the move): a WAL
// written later is a newer file's, not the damaged one's.
void finish_move_aside(const std::string& path, const std::string& aside,
                       const std::string& marker);
// replace_file_durably() at kFileMode.
Status write_durably(const std::string& path, const std::string& text);
// Copies a file (kFileMode); for the salvage's repaired copy.
Status copy_file(const std::string& from, const std::string& to);

// The damaged copies kept beside the store at `db` (`<db>.corrupt-<UTC>`,
// `-2`, `-3` ... for more in one second), oldest first; not their -wal/-shm.
std::vector<std::string> kept_copies(const std::string& db);

// Whether `path` names one of the files the store at `db` keeps beside it:
// the database and its journal files, the salvage marker, the instance lock,
// the full-disk reserve, the boot counter, and the damaged copies salvage
// kept. Anything else written there would wreck the store or lose what
// salvage kept. Compared by name (relative paths from the working folder);
// resolve symlinks first where they matter.
bool is_store_file(const std::string& path, const std::string& db);

}  // namespace gw::store
