#pragma once
// Bounds one Modbus request in real time. libmodbus bounds only the wait
// for the first byte (response timeout) and each gap between bytes (byte
// timeout), not the whole answer: a peer that sends one byte just inside the
// byte timeout held a bus thread for minutes (250 bytes x 450 ms), stalling
// every other device on the bus and the daemon's shutdown. When an armed
// request outlives its deadline the watchdog cuts its descriptor: a TCP
// socket is shut down, so libmodbus's read returns at once; a serial line
// cannot be, so /dev/null is put in its place (dup2), and libmodbus's next
// read, one byte gap later at most, ends with nothing. The poller then
// closes the connection (and opens the line again).
//
// Real time (steady_clock), not the injected Clock: it bounds a blocking
// system call, which only real time can.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/unique_fd.hpp"

namespace gw::modbus {

class RequestWatchdog {
  public:
    RequestWatchdog();
    ~RequestWatchdog();
    RequestWatchdog(const RequestWatchdog&) = delete;
    RequestWatchdog& operator=(const RequestWatchdog&) = delete;

    // Cuts `fd` unless disarm() comes within `ms`. The fd must stay open
    // until disarm() (the caller closes it only after).
    void arm(int fd, int ms);
    // Returns true if the deadline passed and the descriptor was cut.
    bool disarm();

  private:
    void run();
    void cut(int fd) const;
    UniqueFd devnull_;
    std::mutex mutex_;
    std::condition_variable cv_;
    int fd_ = -1;  // armed while >= 0
    std::chrono::steady_clock::time_point deadline_;
    bool fired_ = false;
    bool quit_ = false;
    std::thread thread_;
};

}  // namespace gw::modbus
