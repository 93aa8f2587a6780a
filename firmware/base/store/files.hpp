#pragma once
// The store's files on disk: created and kept at mode 0640 whatever the
// umask (SQLite gives its -wal and -shm the main file's mode), moved aside
// when damaged, and small files written so that a power cut leaves either the
// old or the new content.
#include <sys/types.h>

#include <optional>
#include <string>

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
// replace_file_durably() at kFileMode.
Status write_durably(const std::string& path, const std::string& text);
// Copies a file (kFileMode); for the salvage's repaired copy.
Status copy_file(const std::string& from, const std::string& to);

}  // namespace gw::store
