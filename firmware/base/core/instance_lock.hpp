#pragma once
// One gatewayd per store and per control socket. A second daemon started on
// the same config (by hand beside the service, or a second unit) would poll
// the same buses, write the same store and, when it stopped, remove the
// first one's control socket. Each of those files gets a lock file beside it
// ("<path>.lock", flock): the kernel lets go of it when its process ends,
// however it ends (kill -9 too), so a stale lock cannot block a start.
#include <string>

#include "core/result.hpp"
#include "core/unique_fd.hpp"

namespace gw {

class InstanceLock {
  public:
    // Takes the lock of `path` and writes this process's pid into it; fails
    // with the holder's pid when another process has it. A lock file that
    // cannot be made (a full disk, a read-only folder) does not stop a
    // start, which would lose what the gateway can still send: the lock
    // is then empty and warning() says why.
    static Result<InstanceLock> take(const std::string& path);

    bool held() const { return static_cast<bool>(fd_); }
    const std::string& warning() const { return warning_; }

  private:
    InstanceLock(UniqueFd fd, std::string warning)
        : fd_(std::move(fd)), warning_(std::move(warning)) {}
    UniqueFd fd_;
    std::string warning_;
};

}  // namespace gw
