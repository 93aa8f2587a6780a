#include "file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/unique_fd.hpp"

namespace gw {
namespace {

// Fills the temporary file and gives it its mode and owner.
Status fill_temp(int fd, const std::string& tmp, std::string_view text, mode_t mode,
                 std::optional<FileOwner> owner) {
    if (::fchmod(fd, mode) != 0) return fail(errno_text("cannot chmod", tmp));
    if (owner && ::fchown(fd, owner->uid, owner->gid) != 0 && errno != EPERM)
        return fail(errno_text("cannot chown", tmp));
    if (auto s = write_all(fd, text, tmp); !s) return s;
    if (::fsync(fd) != 0) return fail(errno_text("cannot sync", tmp));
    return Status::success();
}

// The rename or unlink of `path` made durable.
Status sync_dir_of(const std::string& path, const char* done) {
    const std::string dir = dir_of(path);
    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd || ::fsync(dir_fd.get()) != 0)
        return fail(
            errno_text(path + " " + done + ", but a power cut may undo it: cannot sync", dir));
    return Status::success();
}

}  // namespace

Result<struct stat> readable_regular_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return fail(std::string("cannot read: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) return fail(std::string("cannot read: ") + std::strerror(EISDIR));
    if (!S_ISREG(st.st_mode)) return fail("not a regular file");
    if (::access(path.c_str(), R_OK) != 0)
        return fail(std::string("cannot read: ") + std::strerror(errno));
    return st;
}

std::string errno_text(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

Status write_all(int fd, std::string_view text, const std::string& path) {
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(errno_text("cannot write", path));
        text.remove_prefix(static_cast<size_t>(n));
    }
    return Status::success();
}

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

Status replace_file_durably(const std::string& path, std::string_view text, mode_t mode,
                            std::optional<FileOwner> owner) {
    // A new file of a unique name (mkstemp: O_EXCL): never a file or link
    // already there, nor another writer's temporary file.
    std::string tmp = path + ".XXXXXX";
    UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!fd) return fail(errno_text("cannot create a temporary file next to", path));
    if (auto s = fill_temp(fd.get(), tmp, text, mode, owner); !s) {
        ::unlink(tmp.c_str());
        return s;
    }
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        auto error = fail(errno_text("cannot rename onto", path));
        ::unlink(tmp.c_str());
        return error;
    }
    return sync_dir_of(path, "replaced");
}

Status remove_durably(const std::string& path) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return fail(errno_text("cannot remove", path));
    return sync_dir_of(path, "removed");
}

}  // namespace gw
