#pragma once
// The parts of a soak run (tools/soak): the config of the gateway under test,
// the event source (inject over the control socket: an event counts as
// accepted only when the reply carries its id, which the daemon sends once
// the event is durable), a serial sensor on a pty for telemetry, and the
// center, a subscriber that counts every event that arrives.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/unique_fd.hpp"
#include "support/mosquitto.hpp"
#include "support/subscriber.hpp"

namespace gw::soak {

constexpr const char* kEventType = "soak";  // the type of every injected event

struct GatewaySetup {
    std::string data_dir;
    std::string broker_uri;
    std::string serial_device;  // the pty the sensor writes to
    int report_ms = 100;        // telemetry of each point at least this often
};

// The gateway's config: identity, the broker, fast reconnects, a serial
// sensor with three points that change at every line.
std::string gateway_config(const GatewaySetup& s);
std::string control_socket(const GatewaySetup& s);

// What the event source saw. Thread-safe.
class Ledger {
  public:
    void accepted(const std::string& id);
    void refused(const std::string& why);
    std::vector<std::string> accepted_ids() const;
    size_t accepted_count() const;
    std::map<std::string, int> refusals() const;  // error message -> how often

  private:
    mutable std::mutex mutex_;
    std::vector<std::string> ids_;
    std::map<std::string, int> refusals_;
};

enum class InjectOutcome { accepted, refused, daemon_gone };

// One inject request; the reply's id goes into the ledger. `message_bytes`
// pads the message (bigger events fill a disk sooner).
InjectOutcome inject(const std::string& socket, const std::string& severity, size_t message_bytes,
                     Ledger& ledger, int timeout_ms = 5000);

// Injects from `threads` threads until stop() or until the daemon is gone.
class Injectors {
  public:
    Injectors(std::string socket, Ledger& ledger, int threads);
    ~Injectors();
    void stop();

  private:
    std::string socket_;
    Ledger& ledger_;
    std::atomic<bool> stop_{false};
    std::vector<std::thread> threads_;
};

// A serial sensor on a pty: writes "T=..,H=..,L=.." lines whose values
// change every line, `lines_per_s` (0: as fast as the gateway reads).
class SerialSensor {
  public:
    SerialSensor();
    ~SerialSensor();
    const std::string& device() const { return device_; }
    void start(int lines_per_s);
    void stop();
    uint64_t lines() const { return lines_; }

  private:
    void run(int lines_per_s);

    UniqueFd master_;
    UniqueFd slave_;  // held open so the pty survives the gateway's restarts
    std::string device_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> lines_{0};
    std::thread thread_;
};

struct Delivery {
    size_t accepted = 0;
    size_t delivered = 0;       // accepted ids seen at the center
    size_t lost = 0;            // accepted ids never seen
    size_t duplicates = 0;      // extra copies of accepted ids (QoS 1 is at least once)
    size_t unacknowledged = 0;  // soak events delivered whose reply never came (killed mid-call)
    std::vector<std::string> lost_ids;
};

// The district center: a persistent-session subscriber to every event topic.
class Center {
  public:
    explicit Center(const std::string& broker_uri);
    bool ready(int timeout_ms) { return sub_.ready(timeout_ms); }
    // Waits until every id in `ids` arrived; false on timeout.
    bool wait_for(const std::vector<std::string>& ids, int timeout_ms);
    Delivery count(const std::vector<std::string>& accepted);
    // Events of another type than the injected one, by type (store_full, ...).
    std::map<std::string, int> other_events();

  private:
    void absorb();  // parses what arrived since the last call

    test::Subscriber sub_;
    size_t seen_ = 0;
    std::map<std::string, int> copies_;  // injected event id -> arrivals
    std::map<std::string, int> others_;
};

// Status of the running daemon ({"cmd":"status"}), if it answers.
std::optional<nlohmann::json> status(const std::string& socket, int timeout_ms = 3000);

// A broker that keeps sessions across its restart: the center's queue
// survives outages.
test::BrokerOptions persistent_broker();

// The last `n` characters of a process's output, for a failure message.
std::string tail(const std::string& text, size_t n = 600);

}  // namespace gw::soak
