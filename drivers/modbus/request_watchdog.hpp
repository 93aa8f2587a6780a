#pragma once
// Bounds one Modbus TCP request in real time. libmodbus bounds only the wait
// for the first byte (response timeout) and each gap between bytes (byte
// timeout), not the whole answer: a peer that sends one byte just inside the
// byte timeout held a bus thread for minutes (250 bytes x 450 ms), stalling
// every other device on the bus and the daemon's shutdown. When an armed
// request outlives its deadline the watchdog shuts the socket down, so
// libmodbus's read returns at once; the poller then drops the connection.
//
// Real time (steady_clock), not the injected Clock: it bounds a blocking
// system call, which only real time can.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace gw::modbus {

class RequestWatchdog {
  public:
    RequestWatchdog();
    ~RequestWatchdog();
    RequestWatchdog(const RequestWatchdog&) = delete;
    RequestWatchdog& operator=(const RequestWatchdog&) = delete;

    // Shuts `socket_fd` down unless disarm() comes within `ms`. The fd must
    // stay open until disarm() (the caller closes it only after).
    void arm(int socket_fd, int ms);
    // Returns true if the deadline passed and the socket was shut down.
    bool disarm();

  private:
    void run();
    std::mutex mutex_;
    std::condition_variable cv_;
    int fd_ = -1;  // armed while >= 0
    std::chrono::steady_clock::time_point deadline_;
    bool fired_ = false;
    bool quit_ = false;
    std::thread thread_;
};

}  // namespace gw::modbus
