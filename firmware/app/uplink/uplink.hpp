#pragma once
// The MQTT uplink: drains the store to the district center's broker.
//
// - Paho MQTT C++ async client with NO Paho persistence: SQLite is the only
//   source of truth. A stored row is deleted (Store::ack) only in the publish
//   token's on_success, i.e. on PUBACK.
// - Our own in-flight window (uplink.inflight_window <= 100). Rows are read
//   from the store in pages of at most the free window: a 100k backlog never
//   sits in memory.
// - Alarms before telemetry: the telemetry lane is read only when no unsent
//   alarm is left.
// - Our own reconnect loop (Paho's automatic_reconnect is off), because it
//   also walks the broker list for failover, knows which URI it is on, applies
//   our backoff, and resends every unacked row after each (re)connect: the
//   cursors restart at the oldest row still in the store.
// - Paho callbacks only push results to a queue; all client calls (connect,
//   publish, disconnect) happen on the uplink's own thread.
// - Retained `status` birth message on every connect; retained Last Will
//   (online=false); an explicit offline status on a clean stop.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace mqtt {
class async_client;
}

namespace gw {

struct Credentials {
    std::string username;
    std::string password;
};

// Reads "username\npassword". Refuses a file that others can read or write:
// a world-readable password is a leaked password.
Result<Credentials> read_credentials(const std::string& path);

struct LinkState {
    bool connected = false;
    std::string broker;              // URI connected to (or last tried)
    int64_t connected_since_ms = 0;  // wall time of the current connection
    int64_t last_puback_ms = 0;      // wall time of the last PUBACK
    int64_t published = 0;           // publishes sent since start (incl. resends)
    int64_t acked = 0;               // PUBACKs since start
    int64_t connects = 0;
    int inflight = 0;
    std::string last_error;
};

class Uplink {
  public:
    Uplink(const UplinkConfig& config, const contract::Topics& topics,
           const contract::Origin& origin, contract::GatewayStatus birth, Store& store,
           Clock& clock, Log& log);
    ~Uplink();
    Uplink(const Uplink&) = delete;
    Uplink& operator=(const Uplink&) = delete;

    // Checks credentials and TLS files (clear error if unusable), then starts
    // the uplink thread. Not being able to reach a broker is not an error:
    // the store holds everything until one answers.
    Status start();
    // Publishes online=false (retained), disconnects, joins; bounded time.
    void stop();
    LinkState state() const;
    // New rows were committed: look at the store now.
    void wake();

  private:
    struct Outcome {
        enum Kind { acked, failed, lost } kind;
        Lane lane;
        int64_t seq;
        std::string why;
    };
    class Callbacks;
    class PublishListener;

    void run();
    bool connect_next();
    void disconnect_client(bool say_offline);
    void handle(std::vector<Outcome>& outcomes);
    void fill_window();
    void resync();
    void push(Outcome o);
    void set_error(const std::string& why);
    std::string status_payload(bool online) const;

    UplinkConfig config_;
    contract::Topics topics_;
    contract::Origin origin_;
    contract::GatewayStatus birth_;
    Store& store_;
    Clock& clock_;
    Log& log_;
    Credentials credentials_;

    std::unique_ptr<Callbacks> callbacks_;
    std::unique_ptr<PublishListener> listener_;
    std::unique_ptr<mqtt::async_client> client_;  // uplink thread only

    // Uplink thread only.
    size_t broker_index_ = 0;
    size_t failed_in_round_ = 0;
    int backoff_ms_ = 0;
    int64_t next_attempt_mono_ = 0;
    int64_t cursor_[2] = {0, 0};
    std::set<std::pair<int, int64_t>> inflight_;

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Outcome> outcomes_;
    bool woken_ = false;
    bool stop_ = false;
    LinkState state_;
    std::thread thread_;
};

}  // namespace gw
