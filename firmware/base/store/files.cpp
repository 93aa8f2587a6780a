#include "files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/file_io.hpp"
#include "core/unique_fd.hpp"

namespace gw::store {
bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::optional<off_t> size_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return st.st_size;
}

Status prepare_db_file(const std::string& path) {
    // O_CREAT's mode is cut by the umask; fchmod is not.
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kFileMode));
    if (!fd) return fail(errno_text("cannot open", path));
    if (::fchmod(fd.get(), kFileMode) != 0) return fail(errno_text("cannot chmod", path));
    for (const char* suffix : {"-wal", "-shm"}) {
        const std::string side = path + suffix;
        if (::chmod(side.c_str(), kFileMode) != 0 && errno != ENOENT)
            return fail(errno_text("cannot chmod", side));
    }
    return Status::success();
}

Status move_aside(const std::string& path, const std::string& aside) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::string from = path + suffix, to = aside + suffix;
        if (::rename(from.c_str(), to.c_str()) != 0) {
            if (errno == ENOENT) continue;
            if (*suffix == '\0') return fail(errno_text("cannot move aside", path));
            continue;  // a -wal/-shm that stays is replaced or ignored by SQLite
        }
        (void)::chmod(to.c_str(), kFileMode);
    }
    return Status::success();
}

Status write_durably(const std::string& path, const std::string& text) {
    return replace_file_durably(path, text, kFileMode);
}

Status copy_file(const std::string& from, const std::string& to) {
    UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) return fail(errno_text("cannot open", from));
    UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kFileMode));
    if (!out) return fail(errno_text("cannot create", to));
    char buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(in.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(errno_text("cannot read", from));
        if (n == 0) return Status::success();
        if (auto s = write_all(out.get(), std::string_view(buf, static_cast<size_t>(n)), to); !s)
            return s;
    }
}

}  // namespace gw::store
