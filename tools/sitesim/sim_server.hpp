#pragma once
// The simulated site: register banks per slave, driven by a Scenario, served
// as a Modbus TCP server (libmodbus, one thread per connection) or on an RTU
// serial line, with per-slave fault injection.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "core/unique_fd.hpp"
#include "modbus/modbus_context.hpp"
#include "scenario.hpp"

namespace gw::sitesim {

struct SimOptions {
    double speed = 1.0;  // scenario seconds per real second
    bool loop = false;   // start the scenario again after its last step
    // TCP: requests that arrive within this long of their connection's
    // accept go unanswered, as on a gateway still setting up its serial side
    // (what a client's connect_pause_ms is for).
    int warmup_ms = 0;
};

// Per slave, since start.
struct SlaveStats {
    uint64_t requests = 0;
    uint64_t answered = 0;
    uint64_t faulted = 0;  // requests handled by an injected fault
};

class Simulator {
  public:
    Simulator(Scenario scenario, SimOptions options);
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    // Overrides the fault of a slave (also adds the slave if unknown).
    void set_fault(int slave, Fault fault);
    // Sets one value now (tests, benchmarks).
    void set_value(int slave, Table table, int address, uint16_t value);

    // Serve on host:port. Returns once listening.
    Status start_tcp(const std::string& host, int port);
    // Serve on a serial line (a tty or one end of a pty pair).
    Status start_rtu(const std::string& device, int baud, char parity, int data_bits,
                     int stop_bits);
    void stop();

    std::map<int, SlaveStats> stats() const;
    // TCP requests lost to SimOptions::warmup_ms.
    uint64_t early_requests() const { return early_requests_; }
    std::vector<int> slaves() const;

  private:
    struct Slave;
    void play();
    void serve_tcp_connection(UniqueFd connection);
    void accept_loop();
    void serve_rtu();
    // Answers one request (libmodbus framing: header_length bytes before the
    // function code) according to the slave's fault.
    void handle(modbus::Context& ctx, const uint8_t* req, int len, bool rtu);
    std::vector<uint8_t> read_response(int id, const uint8_t* req, int header, bool rtu);
    Slave* slave(int id);
    Slave& ensure_slave(int id);

    Scenario scenario_;
    SimOptions options_;
    mutable std::mutex mutex_;
    std::map<int, std::unique_ptr<Slave>> slaves_;
    std::map<int, Fault> fault_overrides_;
    std::atomic<bool> stopping_{false};
    std::atomic<uint64_t> early_requests_{0};
    UniqueFd listen_fd_;
    std::unique_ptr<modbus::Context> rtu_;  // the open line, served by server_
    std::thread player_;
    std::thread server_;
    std::mutex conn_mutex_;
    struct Connection {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::vector<Connection> connections_;
};

uint16_t crc16(const uint8_t* data, size_t len);

}  // namespace gw::sitesim
