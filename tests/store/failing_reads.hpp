#pragma once
// A disk with a bad sector, for SQLite: while one of these lives, reads of
// one file's byte range fail with SQLITE_IOERR_READ (what SQLite makes of
// EIO), through a VFS that wraps the real one and is made the default. The
// store under test opens its files as usual; only the operating system's
// answer is changed, as an SD card with an unreadable block changes it.
#include <sqlite3.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace gw::test {

class FailingReads {
  public:
    // `path`: the file, which exists; it is known by its inode, so a bad
    // sector stays with the file when it is renamed (a damaged store is
    // moved aside before its rows are salvaged). [offset, offset + length).
    // Not `armed`: reads go through until arm() (a sector that goes bad
    // while the store is open).
    FailingReads(std::string path, int64_t offset, int64_t length, bool armed = true);
    ~FailingReads();
    FailingReads(const FailingReads&) = delete;
    FailingReads& operator=(const FailingReads&) = delete;

    void arm() { armed_ = true; }
    int failed() const { return failed_.load(); }  // reads that failed so far

    struct File;  // a file opened through it

  private:
    // What SQLite holds: the VFS, and who it belongs to.
    struct Vfs {
        sqlite3_vfs vfs;
        FailingReads* owner;
    };
    static int open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags,
                    int* out_flags);
    static int read(sqlite3_file* file, void* buf, int amount, sqlite3_int64 offset);
    static const sqlite3_io_methods* methods();

    Vfs vfs_{};
    sqlite3_vfs* real_ = nullptr;
    dev_t dev_ = 0;
    ino_t ino_ = 0;
    int64_t offset_, length_;
    std::atomic<bool> armed_;
    std::atomic<int> failed_{0};
};

}  // namespace gw::test
