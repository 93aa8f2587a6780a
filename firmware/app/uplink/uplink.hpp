#pragma once
// The MQTT uplink: drains the store to the district center's broker.
//
// - The logic (window, order of lanes, failover, backoff, resend) is in
//   Delivery; the MQTT client behind it is a Transport: PahoTransport (Paho
//   MQTT C++ async client, NO Paho persistence, no automatic reconnect) in
//   the gateway, a fake in unit tests. SQLite is the only source of truth: a
//   stored row is deleted (Store::ack) only on its PUBACK.
// - Link callbacks only push LinkEvents to a queue (a command message is
//   recorded by the CommandSink on the client's thread); every transport
//   call (connect, publish, disconnect) happens on the uplink's own thread.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "config/secret_files.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/liveness.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "delivery.hpp"
#include "store/store.hpp"
#include "transport.hpp"

namespace gw {

class Uplink {
  public:
    // Over Paho.
    Uplink(const UplinkConfig& config, const contract::Topics& topics,
           const contract::Origin& origin, contract::GatewayStatus birth, Store& store,
           Clock& clock, Log& log);
    Uplink(const UplinkConfig& config, const contract::Topics& topics,
           const contract::Origin& origin, contract::GatewayStatus birth, Store& store,
           Clock& clock, Log& log, std::unique_ptr<uplink::Transport> transport);
    ~Uplink();
    Uplink(const Uplink&) = delete;
    Uplink& operator=(const Uplink&) = delete;

    // Commands received go to `sink` (set before start(); see Delivery).
    void set_command_sink(uplink::CommandSink* sink) { delivery_.set_command_sink(sink); }
    // Checks credentials and TLS files (clear error if unusable), then starts
    // the uplink thread. Not being able to reach a broker is not an error:
    // the store holds everything until one answers.
    Status start();
    // Publishes online=false (retained), disconnects, joins; bounded time.
    void stop();
    LinkState state() const;
    // New rows were committed: look at the store now.
    void wake();
    // The operating mode changed: republish the retained status.
    void set_mode(const std::string& mode, std::optional<int64_t> until_ms);
    // The uplink thread's heartbeat, for the watchdog: a call into the MQTT
    // library that never returns silences it.
    Vital vital() const { return {"uplink", &beat_}; }

  private:
    void run();
    void push(LinkEvent e);

    const UplinkConfig config_;
    Store& store_;
    Clock& clock_;
    std::unique_ptr<uplink::Transport> transport_;
    Delivery delivery_;  // the uplink thread only, but for state()

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<LinkEvent> events_;
    bool woken_ = false;
    bool stop_ = false;
    std::thread thread_;
    Heartbeat beat_;
};

}  // namespace gw
