#include "request_watchdog.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

namespace gw::modbus {

RequestWatchdog::RequestWatchdog()
    : devnull_(::open("/dev/null", O_RDWR | O_CLOEXEC)), thread_([this] { run(); }) {}

RequestWatchdog::~RequestWatchdog() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void RequestWatchdog::arm(int socket_fd, int ms) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        fd_ = socket_fd;
        fired_ = false;
        deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    }
    cv_.notify_all();
}

bool RequestWatchdog::disarm() {
    std::lock_guard<std::mutex> lock(mutex_);
    fd_ = -1;
    return fired_;
}

void RequestWatchdog::cut(int fd) const {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
        ::shutdown(fd, SHUT_RDWR);
        return;
    }
    if (devnull_) (void)::dup2(devnull_.get(), fd);
}

void RequestWatchdog::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!quit_) {
        if (fd_ < 0) {
            cv_.wait(lock);
            continue;
        }
        const auto deadline = deadline_;
        if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && fd_ >= 0 &&
            deadline_ == deadline) {
            // Under the lock: disarm() cannot return (and the fd be closed)
            // before this is done.
            cut(fd_);
            fired_ = true;
            fd_ = -1;
        }
    }
}

}  // namespace gw::modbus
