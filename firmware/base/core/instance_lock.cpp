#include "instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gw {
namespace {

std::string holder_pid(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string pid(buf, n > 0 ? static_cast<size_t>(n) : 0);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return pid.empty() ? "unknown" : pid;
}

}  // namespace

Result<InstanceLock> InstanceLock::take(const std::string& path) {
    const std::string lock_path = path + ".lock";
    UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
    if (!fd)
        return InstanceLock(UniqueFd(), "lock file " + lock_path + " not made (" +
                                            std::strerror(errno) +
                                            "): a second gatewayd on it would not be refused");
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK)
            return InstanceLock(UniqueFd(), "lock file " + lock_path + " not locked (" +
                                                std::strerror(errno) +
                                                "): a second gatewayd on it would not be refused");
        return fail("another gatewayd (pid " + holder_pid(fd.get()) + ") is running on " + path +
                    " (it holds " + lock_path + "): stop it first");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    // The pid is for the message above only: the lock holds without it.
    const bool noted = ::ftruncate(fd.get(), 0) == 0 &&
                       ::pwrite(fd.get(), pid.data(), pid.size(), 0) == ssize_t(pid.size());
    (void)noted;
    return InstanceLock(std::move(fd), "");
}

}  // namespace gw
