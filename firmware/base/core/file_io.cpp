#include "file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/unique_fd.hpp"

namespace gw {
namespace {

Status fill_temp(const std::string& tmp, std::string_view text, mode_t mode,
                 std::optional<FileOwner> owner) {
    // O_NOFOLLOW: a planted symlink at the temp name is not written through.
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) return fail(errno_text("cannot create", tmp));
    if (::fchmod(fd.get(), mode) != 0) return fail(errno_text("cannot chmod", tmp));
    if (owner && ::fchown(fd.get(), owner->uid, owner->gid) != 0 && errno != EPERM)
        return fail(errno_text("cannot chown", tmp));
    if (auto s = write_all(fd.get(), text, tmp); !s) return s;
    if (::fsync(fd.get()) != 0) return fail(errno_text("cannot sync", tmp));
    return Status::success();
}

}  // namespace

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
    const std::string tmp = path + ".tmp";
    if (auto s = fill_temp(tmp, text, mode, owner); !s) {
        ::unlink(tmp.c_str());
        return s;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        auto error = fail(errno_text("cannot rename onto", path));
        ::unlink(tmp.c_str());
        return error;
    }
    const std::string dir = dir_of(path);
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd || ::fsync(fd.get()) != 0) return fail(errno_text("cannot sync directory", dir));
    return Status::success();
}

}  // namespace gw
