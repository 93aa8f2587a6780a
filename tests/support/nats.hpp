#pragma once
// A real NATS server with its MQTT listener for one test, next to
// mosquitto.hpp: `nats-server -c <generated conf>` (Debian's 2.9) with
// JetStream (NATS keeps MQTT sessions, retained messages and QoS 1 queues in
// JetStream streams, and its MQTT listener needs a server_name) in the test's
// directory, on free loopback ports. stop() and start() again keep the ports
// and the JetStream data, for "broker down for a while". Killed (also if the
// test process dies) when the owner goes away.
#include <memory>
#include <string>

#include "process.hpp"

namespace gw::test {

// nats-server is installed (tools/setup); tests skip with a message if not.
bool nats_installed();

class Nats {
  public:
    Nats(const std::string& dir, const std::string& name);
    ~Nats();
    int port() const { return mqtt_port_; }  // the MQTT listener
    std::string uri() const;
    // Starts it and waits until the MQTT port accepts connections.
    void start();
    // SIGTERM (a clean shutdown) or SIGKILL; waits for the exit.
    void stop(int sig);
    bool running() const { return proc_ && proc_->running(); }
    std::string log() const;

  private:
    std::string dir_;
    int mqtt_port_;
    int client_port_;
    std::string conf_;
    std::unique_ptr<Process> proc_;
};

}  // namespace gw::test
