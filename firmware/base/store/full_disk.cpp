#include "full_disk.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>

#include "core/unique_fd.hpp"
#include "files.hpp"
#include "store.hpp"

namespace gw::store {
namespace {

int64_t disk_free(const std::string& db) {
    struct statvfs fs {};
    if (::statvfs(db.c_str(), &fs) != 0) return 0;
    return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

void cap_pages(sqlite::Db& db, int64_t pages) {
    (void)db.exec("PRAGMA max_page_count=" + std::to_string(pages));
}

int64_t file_size(const std::string& path) {
    return static_cast<int64_t>(size_of(path).value_or(0));
}

}  // namespace

std::string reserve_path(const std::string& db) {
    return db + "-reserve";
}

bool give_up_reserve(const std::string& db) {
    return ::unlink(reserve_path(db).c_str()) == 0;
}

bool take_reserve(const std::string& db) {
    const std::string path = reserve_path(db);
    if (file_size(path) >= kReserveBytes) return true;
    if (disk_free(db) < kReserveBytes + (1 << 20)) return false;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, kFileMode));
    if (fd && ::posix_fallocate(fd.get(), 0, kReserveBytes) == 0) return true;
    ::unlink(path.c_str());
    return false;
}

int64_t configured_pages(const StoreOptions& o) {
    if (o.max_page_count > 0) return o.max_page_count;
    return (o.alarm_max_bytes + o.evidence_max_bytes + o.telemetry_max_bytes) * 2 / kPageSize +
           1024;
}

// Without the reserve, the file must not grow: WAL pages beyond its end
// could only be checkpointed by growing it, and on a full disk nothing else
// can be written until they are (not even a DELETE: its WAL frames need
// room, which a checkpoint gives back).
bool fold_wal(sqlite::Db& db, const std::string& path) {
    const int64_t before = file_size(path + "-wal");
    (void)db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    cap_pages(db, std::max<int64_t>(1, file_size(path) / kPageSize));
    return file_size(path + "-wal") < before;
}

bool uncap_if_room(sqlite::Db& db, const StoreOptions& o) {
    auto cap = db.scalar("PRAGMA max_page_count");
    if (!cap || *cap >= configured_pages(o) || !take_reserve(o.path)) return false;
    cap_pages(db, configured_pages(o));
    return true;
}

}  // namespace gw::store
