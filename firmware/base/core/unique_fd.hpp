#pragma once
// The one owner of a file descriptor (sockets, eventfds, ttys, files): closed
// exactly once, when its owner goes away, whatever path the code takes. Raw
// `int` descriptors appear only at the system call that makes one.
#include <unistd.h>

#include <utility>

namespace gw {

class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    // Gives the descriptor away: the caller closes it.
    int release() { return std::exchange(fd_, -1); }
    // Closes the current descriptor (if any) and owns `fd` instead.
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

}  // namespace gw
