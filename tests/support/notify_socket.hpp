#pragma once
// systemd's end of sd_notify(3) for tests: a datagram socket at
// $NOTIFY_SOCKET, with $WATCHDOG_USEC set, for the process (and the
// children it starts) while it lives; both are unset after.
#include <string>

namespace gw::test {

class NotifySocket {
  public:
    NotifySocket(const std::string& path, int watchdog_usec);
    ~NotifySocket();
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    // Counts datagrams containing `line` until `count` came or `timeout_ms` passed.
    int wait_for(const std::string& line, int count, int timeout_ms);

  private:
    int fd_ = -1;
};

}  // namespace gw::test
