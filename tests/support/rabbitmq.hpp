#pragma once
// Real RabbitMQ nodes with the MQTT plugin for one test, next to mosquitto.hpp:
// each node is `rabbitmq-server` (Debian's 3.10) on free loopback ports with
// its own config, data, logs, enabled-plugins file and Erlang cookie in the
// test's directory, registered with an epmd of the test's own (never the
// host's port 4369). Nothing of the packaged service is read or started.
//
// Cleanup: the owners SIGKILL what they started; if the test process itself
// dies (a crash, ctest's timeout), the kernel kills epmd and every beam too
// (parent-death signal), so no Erlang VM outlives its test.
//
// A node takes several CPU-seconds to boot (about 7 on this project's
// machines, tens of seconds of wall time on a loaded one): share one per test
// group where the tests allow it, and wait for readiness, never for a time.
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"

namespace gw::test {

// rabbitmq-server is installed (tools/setup); tests skip with a message if not.
bool rabbitmq_installed();

// The Erlang port mapper for this test's nodes, on a free port.
class Epmd {
  public:
    explicit Epmd(const std::string& dir);
    int port() const { return port_; }

  private:
    int port_;
    std::unique_ptr<Process> proc_;
};

struct RabbitNodeSpec {
    std::string dir;     // the test's directory; the node gets dir/<name>
    std::string name;    // node name is <name>@localhost
    int epmd_port = 0;   // an Epmd's port
    std::string cookie;  // the cluster's shared Erlang cookie
    std::string seed;    // node to join at first boot ("" = a cluster of its own)
};

class RabbitNode {
  public:
    explicit RabbitNode(RabbitNodeSpec spec);
    ~RabbitNode();
    RabbitNode(const RabbitNode&) = delete;
    RabbitNode& operator=(const RabbitNode&) = delete;

    const std::string& node_name() const { return node_; }
    int port() const { return mqtt_port_; }
    std::string uri() const;
    // Starts the node and returns at once; ready() waits for it.
    void launch();
    // Waits until the MQTT listener accepts connections; throws with the
    // node's log if it exits or does not get there in timeout_ms.
    void ready(int timeout_ms);
    void start();  // launch() + ready() with a generous timeout
    // SIGTERM: a clean shutdown (queues and retained messages saved);
    // SIGKILL: the whole VM dies at once, as in a crash. Waits for the exit.
    void stop(int sig);
    bool running() const { return proc_ && proc_->running(); }
    std::string log() const;
    // rabbitmqctl against this node (e.g. {"cluster_status", "--formatter", "json"}).
    RunResult ctl(std::vector<std::string> args, int timeout_ms = 60000) const;

  private:
    std::vector<std::string> environment() const;

    RabbitNodeSpec spec_;
    std::string dir_;
    std::string node_;
    int mqtt_port_;
    int amqp_port_;
    int dist_port_;
    std::unique_ptr<Process> proc_;
};

// One stand-alone node with its own epmd: a broker like Mosquitto.
class RabbitMq {
  public:
    RabbitMq(const std::string& dir, const std::string& name);
    int port() const { return node_->port(); }
    std::string uri() const { return node_->uri(); }
    void start() { node_->start(); }
    void stop(int sig) { node_->stop(sig); }
    bool running() const { return node_->running(); }
    std::string log() const { return node_->log(); }
    RabbitNode& node() { return *node_; }

  private:
    Epmd epmd_;
    std::unique_ptr<RabbitNode> node_;
};

// A cluster of `size` nodes on loopback: node 0 forms it, the others join
// node 0 at their first boot (classic peer discovery, as a district would
// configure it). start() returns when every node takes MQTT connections and
// rabbitmqctl lists all of them as running.
class RabbitCluster {
  public:
    RabbitCluster(const std::string& dir, int size = 3);
    ~RabbitCluster();
    void start();
    RabbitNode& node(int i) { return *nodes_.at(static_cast<size_t>(i)); }
    int size() const { return static_cast<int>(nodes_.size()); }
    std::vector<std::string> uris() const;
    // Running members as node `from` sees them (rabbitmqctl cluster_status).
    std::vector<std::string> running_nodes(int from) const;
    // Mirrors the MQTT plugin's session queues to every node (a policy, as
    // docs/deployment.md tells a district to set): a persistent session then
    // survives the loss of the node its client was connected to.
    void mirror_mqtt_sessions();

  private:
    Epmd epmd_;
    std::vector<std::unique_ptr<RabbitNode>> nodes_;
};

}  // namespace gw::test
