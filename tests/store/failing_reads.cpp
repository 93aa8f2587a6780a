#include "failing_reads.hpp"

#include <sys/stat.h>

#include <stdexcept>

namespace gw::test {

// The wrapped file: our methods first, the real file's state after it.
struct FailingReads::File {
    sqlite3_file base;
    sqlite3_file* real;
    FailingReads* owner;
    bool watched;
};

namespace {

sqlite3_file* real_of(sqlite3_file* f) {
    return reinterpret_cast<FailingReads::File*>(f)->real;
}

// Every method but xRead goes to the real file as it is.
int close_file(sqlite3_file* f) {
    return real_of(f)->pMethods->xClose(real_of(f));
}
int write_file(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
    return real_of(f)->pMethods->xWrite(real_of(f), b, n, o);
}
int truncate_file(sqlite3_file* f, sqlite3_int64 size) {
    return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int sync_file(sqlite3_file* f, int flags) {
    return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int file_size(sqlite3_file* f, sqlite3_int64* size) {
    return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int lock_file(sqlite3_file* f, int level) {
    return real_of(f)->pMethods->xLock(real_of(f), level);
}
int unlock_file(sqlite3_file* f, int level) {
    return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int check_lock(sqlite3_file* f, int* out) {
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int file_control(sqlite3_file* f, int op, void* arg) {
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int sector_size(sqlite3_file* f) {
    return real_of(f)->pMethods->xSectorSize(real_of(f));
}
int device_caps(sqlite3_file* f) {
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}
int shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void shm_barrier(sqlite3_file* f) {
    real_of(f)->pMethods->xShmBarrier(real_of(f));
}
int shm_unmap(sqlite3_file* f, int remove) {
    return real_of(f)->pMethods->xShmUnmap(real_of(f), remove);
}
}  // namespace

// Version 2: no xFetch, so memory-mapped reads cannot go around xRead.
const sqlite3_io_methods* FailingReads::methods() {
    static const sqlite3_io_methods v2 = {2,
                                          &close_file,
                                          &read,
                                          &write_file,
                                          &truncate_file,
                                          &sync_file,
                                          &file_size,
                                          &lock_file,
                                          &unlock_file,
                                          &check_lock,
                                          &file_control,
                                          &sector_size,
                                          &device_caps,
                                          &shm_map,
                                          &shm_lock,
                                          &shm_barrier,
                                          &shm_unmap,
                                          nullptr,
                                          nullptr};
    return &v2;
}

FailingReads::FailingReads(std::string path, int64_t offset, int64_t length, bool armed)
    : offset_(offset), length_(length), armed_(armed) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw std::runtime_error("no such file to fail reads of: " + path);
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    real_ = sqlite3_vfs_find(nullptr);
    if (!real_) throw std::runtime_error("no default SQLite VFS");
    vfs_.vfs = *real_;  // its other methods do not depend on the VFS object's identity
    vfs_.vfs.zName = "gw-failing-reads";
    vfs_.vfs.szOsFile = static_cast<int>(sizeof(File)) + real_->szOsFile;
    vfs_.vfs.xOpen = &FailingReads::open;
    vfs_.vfs.pNext = nullptr;
    vfs_.owner = this;
    if (sqlite3_vfs_register(&vfs_.vfs, 1) != SQLITE_OK)
        throw std::runtime_error("cannot register the failing-reads VFS");
}

FailingReads::~FailingReads() {
    sqlite3_vfs_unregister(&vfs_.vfs);
    sqlite3_vfs_register(real_, 1);  // the default again
}

int FailingReads::open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags,
                       int* out_flags) {
    FailingReads* self = reinterpret_cast<Vfs*>(vfs)->owner;
    auto* f = reinterpret_cast<File*>(file);
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    f->owner = self;
    struct stat st {};
    f->watched =
        name && ::stat(name, &st) == 0 && st.st_dev == self->dev_ && st.st_ino == self->ino_;
    const int rc = self->real_->xOpen(self->real_, name, f->real, flags, out_flags);
    file->pMethods = f->real->pMethods ? methods() : nullptr;
    return rc;
}

int FailingReads::read(sqlite3_file* file, void* buf, int amount, sqlite3_int64 offset) {
    auto* f = reinterpret_cast<File*>(file);
    FailingReads& self = *f->owner;
    if (f->watched && self.armed_ && offset < self.offset_ + self.length_ &&
        offset + amount > self.offset_) {
        self.failed_++;
        return SQLITE_IOERR_READ;
    }
    return f->real->pMethods->xRead(f->real, buf, amount, offset);
}

}  // namespace gw::test
