#pragma once
// A real mosquitto broker for one test: `mosquitto -c <generated conf>` on a
// free loopback port, in its own directory; killed when the owner goes away.
// stop() and start() again keep the port, for "broker down for a while".
#include <memory>
#include <string>

#include "process.hpp"

namespace gw::test {

struct BrokerOptions {
    bool persistence = false;    // keep sessions and queued messages across a restart
    std::string password_file;   // set: anonymous clients are refused
    std::string listener_extra;  // conf lines for the main listener (TLS, ...)
    std::string extra;           // conf lines after it (a second listener, ...)
};

class Mosquitto {
  public:
    Mosquitto(const std::string& dir, const std::string& name, BrokerOptions options = {});
    ~Mosquitto();
    int port() const { return port_; }
    std::string uri(const std::string& scheme = "tcp") const;
    // Starts it and waits until the port accepts connections.
    void start();
    // SIGTERM (saves persistence) or SIGKILL; waits for the exit.
    void stop(int sig);
    bool running() const { return proc_ && proc_->running(); }
    // The broker's process id while it runs (benchmarks read its /proc).
    pid_t pid() const { return proc_ ? proc_->pid() : -1; }
    std::string log() const;

  private:
    std::string dir_;
    std::string name_;
    int port_;
    std::string conf_;
    std::unique_ptr<Process> proc_;
};

// Waits until something accepts TCP connections on 127.0.0.1:port.
bool wait_for_port(int port, int timeout_ms);

}  // namespace gw::test
