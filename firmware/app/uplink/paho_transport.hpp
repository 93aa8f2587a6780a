#pragma once
// Transport over the Paho MQTT C++ async client, with NO Paho persistence
// (Paho's file persistence does not fsync; SQLite is the only queue) and no
// automatic reconnect (the uplink runs its own loop for failover). A new
// client is made for every connect(), so nothing of an earlier connection
// can complete into the new one.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "transport.hpp"

namespace mqtt {
class async_client;
}

namespace gw::uplink {

class PahoTransport final : public Transport {
  public:
    PahoTransport();
    ~PahoTransport() override;
    PahoTransport(const PahoTransport&) = delete;
    PahoTransport& operator=(const PahoTransport&) = delete;

    Status connect(const ConnectOptions& options, ConnectionHandlers handlers) override;
    Status publish(const std::string& topic, std::string payload, int qos, bool retained,
                   Completion done) override;
    Status subscribe(const std::string& filter, int qos, Completion done) override;
    void disconnect(int timeout_ms) override;

  private:
    class Callbacks;
    class Listener;

    // Completions are kept here by id (the token's user context), so a
    // token never carries an owning pointer.
    void* remember(Completion done);
    void complete(void* context, Status status);
    void drop_client();

    std::unique_ptr<Listener> listener_;
    std::unique_ptr<Callbacks> callbacks_;  // of the current connection
    std::unique_ptr<mqtt::async_client> client_;
    std::mutex mutex_;  // pending_, next_id_: Paho's thread completes
    std::map<uintptr_t, Completion> pending_;
    uintptr_t next_id_ = 1;
};

}  // namespace gw::uplink
