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
    // with the holder's pid when another process has it.
    static Result<InstanceLock> take(const std::string& path);

  private:
    explicit InstanceLock(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

}  // namespace gw
